using System;
using System.Collections.Generic;
using System.IO;
using RnnGen.Tests.Package;
using Xunit;

namespace RnnGen.Tests.Isa;

/// <summary>
/// This test assembly, already built, run again by <c>dotnet test &lt;assembly&gt;</c> (VSTest, no MSBuild) in a child
/// process with other runtime settings, and what its <c>.trx</c> results file says.
/// </summary>
public sealed record ChildTestRun(DotnetResult Process, TrxReport Report)
{
    /// <summary>Set in every child: tests that start children return at once there, so no child starts another.</summary>
    public const string ChildVariable = "RNNGEN_ISA_CHILD";

    public static bool IsChild => Environment.GetEnvironmentVariable(ChildVariable) is not null;

    /// <param name="filter">A VSTest filter, e.g. <c>Category=Numeric</c>.</param>
    /// <param name="environment">Runtime settings of the child (and of its test host, which inherits them).</param>
    public static ChildTestRun Start(string filter, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        string results = Path.Combine(Path.GetTempPath(), $"rnngen-isa-{Guid.NewGuid():N}");
        try
        {
            var settings = new Dictionary<string, string>(environment) { [ChildVariable] = "1" };
            string[] arguments =
            [
                "test", typeof(ChildTestRun).Assembly.Location,
                "--filter", filter,
                "--results-directory", results,
                "--logger", "trx;LogFileName=child.trx",
            ];
            DotnetResult process = DotnetCli.Run(RepositoryRoot.Path, arguments, settings, timeout);
            string trx = Path.Combine(results, "child.trx");
            Assert.True(File.Exists(trx), $"The child wrote no results file.\n{process}");
            return new ChildTestRun(process, TrxReport.Parse(File.ReadAllText(trx)));
        }
        finally
        {
            if (Directory.Exists(results))
            {
                Directory.Delete(results, recursive: true);
            }
        }
    }
}
