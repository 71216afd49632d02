using System.Collections.Generic;

namespace RnnGen.Cli;

/// <summary>The process exit codes of <c>rnngen</c> (docs/cli.md). Scripts rely on them: never renumber.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked and found nothing wrong.</summary>
    public const int Success = 0;

    /// <summary>A spec or a file has errors (or does not fit the spec), is missing, or cannot be read or written.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong: unknown command or option, missing argument, bad combination.</summary>
    public const int Usage = 2;

    /// <summary>A bug in rnngen: an exception nothing anticipated. The message asks for a report.</summary>
    public const int InternalError = 3;

    /// <summary>The lines of the "Exit codes" help section; <paramref name="failure"/> says what 1 means for the command.</summary>
    public static IEnumerable<(int Code, string Meaning)> Describe(string failure) => new[]
    {
        (Success, "success"),
        (Failure, failure),
        (Usage, "usage error: unknown command or option, missing or extra argument"),
        (InternalError, "internal error: a bug in rnngen (please report it)"),
    };
}
