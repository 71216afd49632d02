using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Collections.Generic;
using System.IO;

namespace RnnGen.Cli;

/// <summary>The standard help, followed by the command's exit codes, so scripts can be written from <c>--help</c> alone.</summary>
internal sealed class HelpWithExitCodes(HelpAction help, IReadOnlyDictionary<string, string> failureByCommand, string defaultFailure) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        int code = help.Invoke(parseResult);
        TextWriter output = parseResult.InvocationConfiguration.Output;
        string failure = failureByCommand.TryGetValue(parseResult.CommandResult.Command.Name, out string? meaning) ? meaning : defaultFailure;
        output.WriteLine("Exit codes:");
        foreach ((int exitCode, string text) in ExitCodes.Describe(failure))
        {
            output.WriteLine($"  {exitCode}  {text}");
        }

        output.WriteLine();
        return code;
    }
}
