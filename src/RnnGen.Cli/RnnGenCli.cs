using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.IO;
using RnnGen.Cli.Commands;

namespace RnnGen.Cli;

/// <summary>The <c>rnngen</c> command line: parses the arguments, runs one command, returns the exit code.</summary>
internal static class RnnGenCli
{
    public const string Name = "rnngen";

    private const int HelpWidth = 100;

    private static readonly Dictionary<string, string> FailureByCommand = new()
    {
        [CheckCommand.Name] = CheckCommand.Failure,
        [EmitCommand.Name] = EmitCommand.Failure,
        [MirrorCommand.Name] = MirrorCommand.Failure,
        [InspectCommand.Name] = InspectCommand.Failure,
    };

    /// <summary>Runs <c>rnngen</c> with <paramref name="args"/>, writing to the given writers; never throws.</summary>
    /// <returns>An exit code of <see cref="ExitCodes"/>.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var context = new CommandContext(output, error);
        try
        {
            Command root = CreateRoot(context);
            // No response files: an argument starting with '@' is a file name, as it is to the shell.
            ParseResult parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            if (parsed.Action is ParseErrorAction)
            {
                if (parsed.CommandResult.Command == root && args.Count > 0 && !args[0].StartsWith('-'))
                {
                    // One clear line instead of "no command" plus "unrecognized" for each argument.
                    error.WriteLine($"rnngen: error: unknown command '{args[0]}'{CommandNames.Suggest(args[0], root)}; the commands are {CommandNames.List(root)}");
                }
                else
                {
                    foreach (System.CommandLine.Parsing.ParseError parseError in parsed.Errors)
                    {
                        error.WriteLine("rnngen: error: " + parseError.Message);
                    }
                }

                string command = parsed.CommandResult.Command == root ? string.Empty : parsed.CommandResult.Command.Name + " ";
                error.WriteLine($"Run '{Name} {command}--help' for usage.");
                return ExitCodes.Usage;
            }

            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception exception)
        {
            error.WriteLine($"rnngen: internal error: {exception.GetType().Name}: {exception.Message}");
            error.WriteLine("This is a bug in rnngen; please report it with the command line and the files it read.");
            return ExitCodes.InternalError;
        }
    }

    private static Command CreateRoot(CommandContext context)
    {
        var root = new Command(Name,
            "RnnGen's command-line tool: check and emit *.rnn.yaml specs as the build does, write a spec's PyTorch mirror, " +
            "inspect safetensors weight files. 'rnngen COMMAND --help' describes each command.")
        {
            CheckCommand.Create(context),
            EmitCommand.Create(context),
            MirrorCommand.Create(context),
            InspectCommand.Create(context),
        };
        var help = new HelpOption { Recursive = true };
        // A fixed width, so help reads the same in a terminal, a pipe and docs/cli.md.
        ((HelpAction)help.Action!).MaxWidth = HelpWidth;
        help.Action = new HelpWithExitCodes((HelpAction)help.Action!, FailureByCommand, "a spec or file has errors, or cannot be read or written");
        root.Options.Add(help);
        root.Options.Add(new VersionOption());
        return root;
    }
}
