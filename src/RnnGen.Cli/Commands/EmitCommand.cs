using System;
using System.CommandLine;
using System.Collections.Generic;
using System.IO;
using System.Text;
using RnnGen.Cli.Build;
using RnnGen.Generators;

namespace RnnGen.Cli.Commands;

/// <summary><c>rnngen emit SPEC</c>: the C# source the build generates for the spec.</summary>
internal static class EmitCommand
{
    public const string Name = "emit";

    public const string Failure = "the spec has an error (nothing is emitted), or a file cannot be read or written";

    public static Command Create(CommandContext context)
    {
        var spec = new Argument<string>("SPEC") { Description = "A *.rnn.yaml file." };
        Option<string?> rootNamespace = SharedOptions.Namespace();
        var output = new Option<string?>("--out", "-o")
        {
            HelpName = "PATH",
            Description = "Write the source to this file (or, if PATH is a directory, to the file the build names, such as Ns.Model.g.cs) instead of standard output.",
        };
        var command = new Command(Name,
            "Prints the C# source the build generates for the spec. Diagnostics go to standard error; on an error nothing is emitted.")
        {
            spec,
            rootNamespace,
            output,
        };
        command.SetAction(parsed => Run(context, parsed.GetValue(spec)!, parsed.GetValue(rootNamespace), parsed.GetValue(output)));
        return command;
    }

    public static int Run(CommandContext context, string path, string? rootNamespace, string? output)
    {
        if (SpecArguments.TryRead(context, Name, new[] { path }, out List<SpecSource> specs) is int stop)
        {
            return stop;
        }

        SpecBuildResult result = SpecBuild.Run(specs, rootNamespace);
        if (result.GeneratorException is not null)
        {
            return SpecArguments.GeneratorFailed(context, result);
        }

        DiagnosticText.WriteAll(context.Error, result);
        if (result.ErrorCount > 0)
        {
            context.Error.WriteLine(DiagnosticText.Tally(result) + "; nothing emitted");
            return ExitCodes.Failure;
        }

        if (result.RequestFor(path) is not EmitRequest request || result.SourceFor(request) is not GeneratedFile source)
        {
            context.Error.WriteLine("rnngen: internal error: the generator reported no error but emitted no source for " + path);
            return ExitCodes.InternalError;
        }

        if (output is null)
        {
            context.Out.Write(source.Text);
            return ExitCodes.Success;
        }

        string target = Directory.Exists(output) ? Path.Combine(output, source.HintName) : output;
        try
        {
            File.WriteAllText(target, source.Text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return context.Fail(FileErrors.Describe(target, exception));
        }

        context.Out.WriteLine($"{path}: wrote {target}");
        return ExitCodes.Success;
    }
}
