using System;
using System.Runtime.Intrinsics;
using Xunit;

namespace RnnGen.Tests.Isa;

/// <summary>
/// Runs with the numeric tests (same category), so that in a child started by <see cref="InstructionSetTests"/> it
/// proves the runtime settings took effect: the dispatchers test exactly these properties to pick a method.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class InstructionSetProofTests
{
    [Fact]
    public void The_process_runs_on_the_instruction_set_its_parent_asked_for()
    {
        string? expected = Environment.GetEnvironmentVariable(InstructionSetPath.ExpectedVariable);
        if (expected is null)
        {
            // An ordinary run: whatever this machine accelerates is the path under test.
            return;
        }

        InstructionSetPath path = InstructionSetPath.Named(expected);
        string actual = $"Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, Vector128 {Vector128.IsHardwareAccelerated}";
        Assert.True(
            Vector512.IsHardwareAccelerated == path.Vector512
            && Vector256.IsHardwareAccelerated == path.Vector256
            && Vector128.IsHardwareAccelerated == path.Vector128,
            $"Asked for the {path.Name} path, but {actual}.");
    }
}
