using System;
using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Tests.Isa;

/// <summary>
/// One of the code paths the generated dispatchers choose between (<c>LayerKStepV512/V256/V128/Scalar</c>), the
/// runtime settings that make the JIT take it on an AVX-512 machine, and what <c>VectorN.IsHardwareAccelerated</c>
/// must then say in the child process.
/// </summary>
public sealed record InstructionSetPath(string Name, IReadOnlyDictionary<string, string> Settings, bool Vector512, bool Vector256, bool Vector128)
{
    /// <summary>Set by the parent to the <see cref="Name"/> the child must run on; the child's proof test checks it.</summary>
    public const string ExpectedVariable = "RNNGEN_EXPECT_ISA";

    /// <summary>
    /// AVX-512 off: <c>DOTNET_EnableAVX512</c>. .NET 10 no longer reads <c>DOTNET_EnableAVX512F</c> (measured on
    /// this machine: with it alone <c>Vector512.IsHardwareAccelerated</c> stays true); it is set too, for runtimes
    /// that still do.
    /// </summary>
    public static readonly InstructionSetPath V256 = new(
        "V256",
        new Dictionary<string, string> { ["DOTNET_EnableAVX512"] = "0", ["DOTNET_EnableAVX512F"] = "0" },
        Vector512: false,
        Vector256: true,
        Vector128: true);

    /// <summary>AVX2 off (and with it AVX-512): Vector256 is no longer accelerated, Vector128 (SSE) still is.</summary>
    public static readonly InstructionSetPath V128 = new(
        "V128",
        new Dictionary<string, string> { ["DOTNET_EnableAVX2"] = "0" },
        Vector512: false,
        Vector256: false,
        Vector128: true);

    /// <summary>Every hardware intrinsic off: the dispatchers fall through to the scalar methods.</summary>
    public static readonly InstructionSetPath Scalar = new(
        "Scalar",
        new Dictionary<string, string> { ["DOTNET_EnableHWIntrinsic"] = "0" },
        Vector512: false,
        Vector256: false,
        Vector128: false);

    public static IReadOnlyList<InstructionSetPath> AllBelowVector512 { get; } = [V256, V128, Scalar];

    public static InstructionSetPath Named(string name) =>
        AllBelowVector512.SingleOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"Unknown instruction-set path '{name}'; expected {string.Join(", ", AllBelowVector512.Select(p => p.Name))}.", nameof(name));
}
