using System.IO;

namespace RnnGen.Cli;

/// <summary>Where a command writes: its results to <see cref="Out"/>, diagnostics and errors to <see cref="Error"/>.</summary>
internal sealed record CommandContext(TextWriter Out, TextWriter Error)
{
    /// <summary>Reports a problem with the user's input (not a diagnostic of a spec) and returns <see cref="ExitCodes.Failure"/>.</summary>
    public int Fail(string message)
    {
        Error.WriteLine("rnngen: error: " + message);
        return ExitCodes.Failure;
    }

    /// <summary>Reports a command line that cannot be run and returns <see cref="ExitCodes.Usage"/>.</summary>
    public int Usage(string message, string command)
    {
        Error.WriteLine("rnngen: error: " + message);
        Error.WriteLine($"Run 'rnngen {command} --help' for usage.");
        return ExitCodes.Usage;
    }
}
