using System;
using System.CommandLine;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using RnnGen.Cli.Build;
using RnnGen.Cli.Inspect;
using RnnGen.Generators;
using RnnGen.Generators.Emit;

namespace RnnGen.Cli.Commands;

/// <summary><c>rnngen inspect FILE [--spec SPEC]</c>: the tensors of a safetensors file, and whether they fit a spec.</summary>
internal static class InspectCommand
{
    public const string Name = "inspect";

    public const string Failure = "the file is invalid or truncated, does not fit --spec, or cannot be read; or the spec has an error";

    public static Command Create(CommandContext context)
    {
        var file = new Argument<string>("FILE") { Description = "A .safetensors file." };
        var spec = new Option<string?>("--spec")
        {
            HelpName = "SPEC",
            Description = "Check every tensor against this spec's parameters, as the generated LoadSafetensors does: ok, wrong shape, unknown (not a parameter) or missing.",
        };
        var command = new Command(Name,
            "Lists the tensors of a safetensors file (name, dtype, shape, bytes) in file order, after validating it as the " +
            "runtime's loader does. With --spec, checks each against the spec's parameters: ok, wrong shape, unknown or missing " +
            "(any dtype of F16, BF16, F32 and F64 loads).")
        {
            file,
            spec,
        };
        command.SetAction(parsed => Run(context, parsed.GetValue(file)!, parsed.GetValue(spec)));
        return command;
    }

    public static int Run(CommandContext context, string path, string? specPath)
    {
        IReadOnlyList<ExpectedTensor>? layout = null;
        string? modelName = null;
        if (specPath is not null)
        {
            if (SpecArguments.TryRead(context, Name, new[] { specPath }, out List<SpecSource> specs) is int stop)
            {
                return stop;
            }

            SpecBuildResult result = SpecBuild.Run(specs, rootNamespace: null);
            if (result.GeneratorException is not null)
            {
                return SpecArguments.GeneratorFailed(context, result);
            }

            DiagnosticText.WriteAll(context.Error, result);
            if (result.ErrorCount > 0 || result.RequestFor(specPath) is not EmitRequest request)
            {
                context.Error.WriteLine(DiagnosticText.Tally(result) + $"; {specPath} has no parameter layout to check against");
                return ExitCodes.Failure;
            }

            // The layout the generated class's ParameterLayout holds, from the emitter's own plan.
            layout = ModelEmitter.Tensors(request.Spec, request.Namespace).Select(t => new ExpectedTensor(t.Name, t.Shape)).ToList();
            modelName = request.Spec.ClassName;
        }

        SafetensorsFile file;
        try
        {
            using FileStream stream = File.OpenRead(path);
            file = SafetensorsFile.Read(stream);
        }
        catch (InvalidDataException exception)
        {
            return context.Fail($"{path}: {exception.Message}");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return context.Fail(FileErrors.Describe(path, exception));
        }

        IReadOnlyList<TensorRow> rows = TensorCheck.Compare(file, layout);
        long dataBytes = rows.Sum(row => row.Bytes ?? 0);
        context.Out.WriteLine($"{path}: {DiagnosticText.Count(file.Tensors.Count, "tensor")}, {dataBytes.ToString(CultureInfo.InvariantCulture)} bytes of data");
        if (file.Metadata.Count > 0)
        {
            string metadata = string.Join(", ", file.Metadata.Select(pair => TensorTable.Printable(pair.Key) + "=" + TensorTable.Printable(pair.Value)));
            context.Out.WriteLine("metadata: " + metadata);
        }

        TensorTable.Write(context.Out, rows, withSpec: layout is not null);
        if (layout is null)
        {
            return ExitCodes.Success;
        }

        int ok = rows.Count(r => r.Status == TensorStatus.Ok);
        int wrongShape = rows.Count(r => r.Status == TensorStatus.WrongShape);
        int unknown = rows.Count(r => r.Status == TensorStatus.Unknown);
        int missing = rows.Count(r => r.Status == TensorStatus.Missing);
        bool fits = ok == rows.Count;
        context.Out.WriteLine(
            $"{specPath} ({modelName}, {DiagnosticText.Count(layout.Count, "parameter tensor")}): {ok} ok, {wrongShape} wrong shape, {unknown} unknown, {missing} missing; " +
            (fits ? "the file fits the spec" : "LoadSafetensors would reject this file"));
        return fits ? ExitCodes.Success : ExitCodes.Failure;
    }
}
