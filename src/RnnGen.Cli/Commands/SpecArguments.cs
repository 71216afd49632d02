using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen.Cli.Build;

namespace RnnGen.Cli.Commands;

/// <summary>Reads the spec files a command was given, reporting every one that cannot be used.</summary>
internal static class SpecArguments
{
    /// <summary>Reads <paramref name="paths"/>; returns null with every spec read, else the exit code to stop with.</summary>
    public static int? TryRead(CommandContext context, string command, IReadOnlyList<string> paths, out List<SpecSource> specs)
    {
        specs = new List<SpecSource>(paths.Count);
        foreach (string path in paths)
        {
            if (!SpecSource.IsSpecPath(path))
            {
                return context.Usage($"'{path}' is not a spec: spec files end in .rnn.yaml (the build compiles no other file)", command);
            }
        }

        bool failed = false;
        // A file named twice (say, by overlapping globs) is one spec, as in a project.
        foreach (string path in paths.DistinctBy(FullPath, StringComparer.Ordinal))
        {
            if (SpecSource.TryRead(path, out SpecSource? spec, out string? error))
            {
                specs.Add(spec!);
            }
            else
            {
                context.Fail(error!);
                failed = true;
            }
        }

        return failed ? ExitCodes.Failure : null;
    }

    private static string FullPath(string path)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return path;
        }
    }

    /// <summary>Reports that the generator threw (it must not) and returns <see cref="ExitCodes.InternalError"/>.</summary>
    public static int GeneratorFailed(CommandContext context, SpecBuildResult result)
    {
        context.Error.WriteLine($"rnngen: internal error: the generator threw {result.GeneratorException!.GetType().Name}: {result.GeneratorException.Message}");
        context.Error.WriteLine("This is a bug in RnnGen; please report it with the spec attached.");
        return ExitCodes.InternalError;
    }
}
