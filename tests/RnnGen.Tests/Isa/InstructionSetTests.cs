using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Isa;

/// <summary>
/// Issue 6: every parity and gradient test keeps its tolerance on every path the generated dispatchers can take,
/// not only on the Vector512 one this machine takes by default. Each fact reruns the <c>Category=Numeric</c> tests
/// of this assembly in a child process whose runtime settings turn the wider instruction sets off. The whole
/// numeric set (680 cases, 15-30 s per child on the shared 2 cores, scalar included) fits every child, so no
/// path runs a subset. The facts of this class run one after another (one xunit collection), one child at a time.
/// </summary>
public sealed class InstructionSetTests(ITestOutputHelper output)
{
    private const string NumericFilter = $"{TestCategory.Name}={TestCategory.Numeric}";

    private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(8);

    [Fact]
    public void Numeric_tests_pass_on_the_Vector256_path() => AssertNumericTestsPass(InstructionSetPath.V256);

    [Fact]
    public void Numeric_tests_pass_on_the_Vector128_path() => AssertNumericTestsPass(InstructionSetPath.V128);

    [Fact]
    public void Numeric_tests_pass_on_the_scalar_path() => AssertNumericTestsPass(InstructionSetPath.Scalar);

    private void AssertNumericTestsPass(InstructionSetPath path)
    {
        if (ChildTestRun.IsChild)
        {
            // The filter already keeps this class out of a child; this makes a loop of children impossible.
            return;
        }

        var environment = new Dictionary<string, string>(path.Settings) { [InstructionSetPath.ExpectedVariable] = path.Name };
        ChildTestRun run = ChildTestRun.Start(NumericFilter, environment, ChildTimeout);
        TrxReport report = run.Report;
        output.WriteLine($"> {string.Join(' ', environment.Select(e => $"{e.Key}={e.Value}"))} {run.Process.CommandLine}");
        output.WriteLine($"{path.Name}: {report.Passed} passed, {report.Failed} failed of {report.Total} in {run.Process.Duration.TotalSeconds:F1} s (exit code {run.Process.ExitCode})");

        TrxResult[] failures = report.Results.Where(r => !r.Passed).ToArray();
        foreach (TrxResult failure in failures)
        {
            output.WriteLine($"{failure.Outcome}: {failure.TestName}\n{failure.Message}");
        }

        Assert.True(failures.Length == 0 && report.Failed == 0, $"{failures.Length} numeric test(s) failed on the {path.Name} path:\n{string.Join('\n', failures.Select(f => f.TestName))}");
        Assert.True(run.Process.Succeeded, run.Process.ToString());

        // The settings took effect in the child: its proof test ran and passed there.
        Assert.Contains(report.Results, r => r.Passed && r.ClassName == typeof(InstructionSetProofTests).FullName);

        // Every numeric class ran, so a broken filter or a lost trait cannot pass for a green run.
        string[] missing = NumericClasses().Where(c => !report.Results.Any(r => r.Passed && r.ClassName == c)).ToArray();
        Assert.True(missing.Length == 0, $"No passed test of {string.Join(", ", missing)} on the {path.Name} path.");
    }

    /// <summary>The classes of this assembly marked <c>[Trait("Category", "Numeric")]</c>.</summary>
    private static IEnumerable<string> NumericClasses() =>
        typeof(InstructionSetTests).Assembly.GetTypes()
            .Where(t => t.GetCustomAttributesData().Any(a =>
                a.AttributeType == typeof(TraitAttribute)
                && a.ConstructorArguments.Select(c => c.Value as string).SequenceEqual([TestCategory.Name, TestCategory.Numeric])))
            .Select(t => t.FullName!)
            .OrderBy(n => n, StringComparer.Ordinal);
}
