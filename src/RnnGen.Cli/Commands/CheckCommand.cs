using System.CommandLine;
using System.Collections.Generic;
using System.Globalization;
using RnnGen.Cli.Build;
using RnnGen.Generators;
using RnnGen.Generators.Spec;

namespace RnnGen.Cli.Commands;

/// <summary><c>rnngen check SPEC...</c>: the build's diagnostics for the specs, printed as the compiler prints them.</summary>
internal static class CheckCommand
{
    public const string Name = "check";

    public const string Failure = "a spec has an error (warnings and infos do not fail), or a file cannot be read";

    public static Command Create(CommandContext context)
    {
        var specs = new Argument<string[]>("SPEC")
        {
            Arity = ArgumentArity.OneOrMore,
            Description = "*.rnn.yaml files, checked together as one project would hold them (so two specs of one class are an error).",
        };
        Option<string?> rootNamespace = SharedOptions.Namespace();
        var command = new Command(Name,
            "Reports the build's diagnostics for the specs as the compiler prints them (path(line,col): error RNNxxxx: message), " +
            "then a line per spec that builds and the count of errors and warnings.")
        {
            specs,
            rootNamespace,
        };
        command.SetAction(parsed => Run(context, parsed.GetValue(specs)!, parsed.GetValue(rootNamespace)));
        return command;
    }

    public static int Run(CommandContext context, IReadOnlyList<string> paths, string? rootNamespace)
    {
        if (SpecArguments.TryRead(context, Name, paths, out List<SpecSource> specs) is int stop)
        {
            return stop;
        }

        SpecBuildResult result = SpecBuild.Run(specs, rootNamespace);
        if (result.GeneratorException is not null)
        {
            return SpecArguments.GeneratorFailed(context, result);
        }

        DiagnosticText.WriteAll(context.Out, result);
        foreach (SpecSource spec in specs)
        {
            if (!result.HasErrors(spec.Path) && result.RequestFor(spec.Path) is EmitRequest request)
            {
                string fullName = request.Namespace is { Length: > 0 } ns ? ns + "." + request.Spec.ClassName : request.Spec.ClassName;
                string parameters = ParameterCount.Of(request.Spec).ToString(CultureInfo.InvariantCulture);
                context.Out.WriteLine($"{spec.Path}: ok: class {fullName}, {parameters} parameters");
            }
        }

        context.Out.WriteLine(DiagnosticText.Tally(result));
        return result.ErrorCount > 0 ? ExitCodes.Failure : ExitCodes.Success;
    }
}
