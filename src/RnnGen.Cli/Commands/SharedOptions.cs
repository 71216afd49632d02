using System.CommandLine;
using RnnGen.Generators;

namespace RnnGen.Cli.Commands;

/// <summary>Options that mean the same in every command that takes them.</summary>
internal static class SharedOptions
{
    /// <summary>The consuming project's RootNamespace: where a spec without a <c>namespace</c> key puts its class.</summary>
    public static Option<string?> Namespace() => new("--namespace")
    {
        HelpName = "NS",
        Description = "The consuming project's RootNamespace, for specs without a 'namespace' key (default: none, so such a class is in the global namespace).",
        Validators =
        {
            // The build would quietly ignore an invalid RootNamespace; a typo on the command line deserves an error.
            result =>
            {
                if (result.GetValueOrDefault<string?>() is string name && !ModelNaming.IsValidNamespace(name))
                {
                    result.AddError($"--namespace '{name}' is not a C# namespace (dotted identifiers such as My.App, no keywords)");
                }
            },
        },
    };
}
