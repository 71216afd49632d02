using System;
using System.CommandLine;
using System.Collections.Generic;
using System.IO;
using System.Text;
using RnnGen.Cli.Build;
using RnnGen.Cli.Mirror;
using RnnGen.Generators;

namespace RnnGen.Cli.Commands;

/// <summary><c>rnngen mirror SPEC</c>: the PyTorch mirror of a spec (the module of src/python and a script that builds the model).</summary>
internal static class MirrorCommand
{
    public const string Name = "mirror";

    public const string Failure = "the spec has an error (no mirror is written), or a file cannot be read or written";

    public static Command Create(CommandContext context)
    {
        var spec = new Argument<string?>("SPEC") { Arity = ArgumentArity.ZeroOrOne, Description = "A *.rnn.yaml file." };
        var output = new Option<string?>("--out", "-o")
        {
            HelpName = "DIR",
            Description = $"Write {MirrorFiles.ModuleFileName} and the spec's script (such as jump_detector.py) into this folder, creating it if needed.",
        };
        var module = new Option<bool>("--module")
        {
            Description = $"Print only the mirror module {MirrorFiles.ModuleFileName} (no SPEC, no --out).",
        };
        var command = new Command(Name,
            $"Writes the PyTorch mirror of a spec: {MirrorFiles.ModuleFileName} (src/python's module, built into this tool) and a " +
            "script that embeds the spec and builds the model (build_model(); run it to list the parameters). Without --out the " +
            "script is printed. The Python side needs PyTorch 1.13 and PyYAML.")
        {
            spec,
            output,
            module,
        };
        command.SetAction(parsed => Run(context, parsed.GetValue(spec), parsed.GetValue(output), parsed.GetValue(module)));
        return command;
    }

    public static int Run(CommandContext context, string? path, string? output, bool module)
    {
        if (module)
        {
            if (path is not null || output is not null)
            {
                return context.Usage("--module prints the module alone; give it without SPEC and --out", Name);
            }

            context.Out.Write(Encoding.UTF8.GetString(MirrorFiles.ModuleBytes()));
            return ExitCodes.Success;
        }

        if (path is null)
        {
            return context.Usage("give a SPEC file (or --module for the mirror module alone)", Name);
        }

        if (SpecArguments.TryRead(context, Name, new[] { path }, out List<SpecSource> specs) is int stop)
        {
            return stop;
        }

        SpecBuildResult result = SpecBuild.Run(specs, rootNamespace: null);
        if (result.GeneratorException is not null)
        {
            return SpecArguments.GeneratorFailed(context, result);
        }

        DiagnosticText.WriteAll(context.Error, result);
        if (result.ErrorCount > 0 || result.RequestFor(path) is not EmitRequest request)
        {
            context.Error.WriteLine(DiagnosticText.Tally(result) + "; no mirror written");
            return ExitCodes.Failure;
        }

        string script = MirrorFiles.Script(request.Spec, Path.GetFileName(path), specs[0].GetText().ToString());
        if (output is null)
        {
            context.Out.Write(script);
            return ExitCodes.Success;
        }

        string modulePath = Path.Combine(output, MirrorFiles.ModuleFileName);
        string scriptPath = Path.Combine(output, MirrorFiles.ScriptFileName(request.Spec));
        string current = output;
        try
        {
            Directory.CreateDirectory(output);
            current = modulePath;
            File.WriteAllBytes(modulePath, MirrorFiles.ModuleBytes());
            current = scriptPath;
            File.WriteAllText(scriptPath, script, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return context.Fail(FileErrors.Describe(current, exception));
        }

        context.Out.WriteLine($"wrote {modulePath}");
        context.Out.WriteLine($"wrote {scriptPath}");
        context.Out.WriteLine($"run: python3 {scriptPath}");
        return ExitCodes.Success;
    }
}
