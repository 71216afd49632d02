using System.Collections.Generic;
using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>
/// One instruction set the hot methods are emitted for. The JIT sizes a method before it folds
/// <c>IsHardwareAccelerated</c> away, so every set gets methods of its own and a small dispatcher picks one.
/// </summary>
internal sealed class Isa
{
    private Isa(string suffix, int bits)
    {
        Suffix = suffix;
        Bits = bits;
    }

    public static readonly Isa Vector512 = new("V512", 512);
    public static readonly Isa Vector256 = new("V256", 256);
    public static readonly Isa Vector128 = new("V128", 128);
    public static readonly Isa Scalar = new("Scalar", 0);

    /// <summary>In the order the dispatchers try them.</summary>
    public static readonly IReadOnlyList<Isa> All = new[] { Vector512, Vector256, Vector128, Scalar };

    /// <summary>
    /// What a model emits when every set would take it over the source budget: fewer vector paths, never the scalar
    /// one, so every machine still runs it correctly (an AVX2-only or NEON machine then runs the scalar path).
    /// </summary>
    public static readonly IReadOnlyList<IReadOnlyList<Isa>> Fallbacks = new IReadOnlyList<Isa>[]
    {
        new[] { Vector512, Vector256, Scalar },
        new[] { Vector512, Scalar },
    };

    /// <summary>Method name suffix.</summary>
    public string Suffix { get; }

    /// <summary>Register width, 0 for the scalar path.</summary>
    public int Bits { get; }

    public bool IsScalar => Bits == 0;

    public string Condition => $"global::System.Runtime.Intrinsics.Vector{Bits}.IsHardwareAccelerated";

    public string Description => IsScalar ? "scalar code (no SIMD acceleration)" : $"Vector{Bits}";
}

/// <summary>
/// Writes the pieces of SIMD code for one element type and instruction set: types, loads, stores, broadcasts
/// and fused multiply-adds of a given lane count (1 = scalar), so the cell and product emitters write one text
/// for every width.
/// </summary>
internal sealed class Simd
{
    /// <param name="unrollProducts">Write the k loops of the products out (<c>unroll: full</c>, <see cref="UnrollProducts"/>).</param>
    public Simd(Precision precision, Isa isa, bool unrollProducts = false)
    {
        UnrollProducts = unrollProducts && !isa.IsScalar;
        Precision = precision;
        T = Literals.TypeName(precision);
        ElementBits = 8 * Literals.ElementBytes(precision);
        Isa = isa;
        MaxLanes = isa.IsScalar ? 1 : isa.Bits / ElementBits;
        MinVectorLanes = 128 / ElementBits;
    }

    public Precision Precision { get; }

    /// <summary>
    /// Products written out over k, one statement per input and accumulator, instead of a constant-bound loop over k
    /// (vector paths only; <c>unroll: full</c>, docs/benchmarks.md "Unroll").
    /// </summary>
    public bool UnrollProducts { get; }

    public string T { get; }

    public int ElementBits { get; }

    public Isa Isa { get; }

    /// <summary>Lanes of the widest vector of this instruction set.</summary>
    public int MaxLanes { get; }

    /// <summary>Lanes of a Vector128, the narrowest vector a tail uses before scalars.</summary>
    public int MinVectorLanes { get; }

    public const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";

    public const string MemoryMarshal = "global::System.Runtime.InteropServices.MemoryMarshal";

    public string Class(int lanes) => $"global::System.Runtime.Intrinsics.Vector{lanes * ElementBits}";

    public string Type(int lanes) => lanes == 1 ? T : $"{Class(lanes)}<{T}>";

    public string Load(string reference, string index, int lanes) => lanes == 1
        ? $"{Unsafe}.Add(ref {reference}, {index})"
        : $"{Class(lanes)}.LoadUnsafe(ref {reference}, {Offset(index)})";

    public string Store(string reference, string index, int lanes, string value) => lanes == 1
        ? $"{Unsafe}.Add(ref {reference}, {index}) = {value};"
        : $"{Class(lanes)}.StoreUnsafe({value}, ref {reference}, {Offset(index)});";

    public string Splat(string scalar, int lanes) => lanes == 1 ? scalar : $"{Class(lanes)}.Create({scalar})";

    public string Zero(int lanes) => lanes == 1 ? Literals.Real(0, Precision) : $"{Class(lanes)}<{T}>.Zero";

    /// <summary>A constant in every lane.</summary>
    public string Constant(double value, int lanes) => Splat(Literals.Real(value, Precision), lanes);

    /// <summary><c>a * b + c</c>, fused where the hardware fuses (<c>MultiplyAddEstimate</c>).</summary>
    public string MultiplyAdd(string a, string b, string c, int lanes) => lanes == 1
        ? $"({a} * {b}) + {c}"
        : $"{Class(lanes)}.MultiplyAddEstimate({a}, {b}, {c})";

    /// <summary>A span's element reference, after a slice that proves the span holds <paramref name="length"/> values.</summary>
    public string Reference(string name, string span, int length) =>
        $"ref {T} {name} = ref {MemoryMarshal}.GetReference({span}.Slice(0, {length}));";

    /// <summary>
    /// Cuts [0, count) into chunks: as many full vectors of <see cref="MaxLanes"/> as fit, then halving vectors down
    /// to a Vector128, then scalars.
    /// </summary>
    public List<(int Offset, int Lanes)> Chunks(int count)
    {
        var chunks = new List<(int Offset, int Lanes)>();
        int offset = 0;
        for (int lanes = MaxLanes; lanes >= 1; lanes = lanes > MinVectorLanes ? lanes / 2 : lanes == MinVectorLanes ? 1 : 0)
        {
            while (count - offset >= lanes)
            {
                chunks.Add((offset, lanes));
                offset += lanes;
            }

            if (lanes == 1)
            {
                break;
            }
        }

        return chunks;
    }

    /// <summary>An index expression <paramref name="baseIndex"/> + <paramref name="constant"/>, folded when both are numbers.</summary>
    public static string Index(string baseIndex, int constant)
    {
        if (int.TryParse(baseIndex, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int number))
        {
            return Literals.Int(number + constant);
        }

        return constant == 0 ? baseIndex : $"{baseIndex} + {constant}";
    }

    private static string Offset(string index) =>
        int.TryParse(index, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _) ? index : $"(nuint)({index})";
}
