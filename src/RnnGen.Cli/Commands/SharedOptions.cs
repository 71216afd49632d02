using System.CommandLine;

namespace RnnGen.Cli.Commands;

/// <summary>Options that mean the same in every command that takes them.</summary>
internal static class SharedOptions
{
    /// <summary>The consuming project's RootNamespace: where a spec without a <c>namespace</c> key puts its class.</summary>
    public static Option<string?> Namespace() => new("--namespace")
    {
        HelpName = "NS",
        Description = "The consuming project's RootNamespace, for specs without a 'namespace' key (default: none, so such a class is in the global namespace).",
    };
}
