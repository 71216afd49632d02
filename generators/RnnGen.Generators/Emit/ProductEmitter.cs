using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generators.Emit;

/// <summary>What a product's outputs hold before it adds W x.</summary>
internal enum ProductStart
{
    /// <summary>What the target already holds (the input product of the step, say).</summary>
    Accumulate,

    /// <summary>Zeros.</summary>
    Zero,

    /// <summary>Values read from <see cref="Product.Bias"/>.</summary>
    Bias,
}

/// <summary>
/// One matrix-vector product <c>target[TargetOffset + n - First] (+)= sum_k W[n, k] x[k]</c> for outputs n in
/// [First, End) of a matrix packed by <c>global::RnnGen.Kernels.PackTransposed</c> (W^T in panels).
/// </summary>
/// <param name="Comment">What the product computes, in the equations' names.</param>
/// <param name="Inputs">K: columns of W, the length of x.</param>
/// <param name="Outputs">Rows of the whole packed W (its panels depend on it).</param>
/// <param name="First">The first output computed.</param>
/// <param name="End">One past the last output computed.</param>
/// <param name="Weights">The <c>ref</c> local of the packed W.</param>
/// <param name="Vector">The span x, indexed once per k.</param>
/// <param name="Target">The <c>ref</c> local of the target.</param>
/// <param name="TargetOffset">Where output <paramref name="First"/> lands.</param>
/// <param name="Start">What the target starts from.</param>
/// <param name="Bias">The <c>ref</c> local of the start values when <paramref name="Start"/> is <see cref="ProductStart.Bias"/>.</param>
/// <param name="BiasOffset">Where output <paramref name="First"/>'s start value is.</param>
/// <param name="Packed">
/// True: W^T in panels (<c>PackTransposed</c>). False: the weights are a plain row-major [Inputs, Outputs] matrix
/// starting at <paramref name="WeightsOffset"/>: how PyTorch stores W [rows, columns] for the products with W^T
/// that the backward pass needs (dh' = W_hh^T da).
/// </param>
/// <param name="WeightsOffset">Where the plain matrix starts (its first input's row), for <paramref name="Packed"/> false.</param>
/// <param name="Count">
/// How many vectors share each read of W: 1 is a matrix-vector product; more is a group of sequences (a matrix-matrix
/// product, vector path only), where <paramref name="Vector"/> is a <c>ref</c> local, vector b starts at
/// <paramref name="VectorOffset"/> + b <paramref name="VectorStride"/> and its outputs land <paramref name="TargetStride"/> further on
/// than vector b - 1's. Each output sees the same multiply-adds in the same order as with one vector.
/// </param>
/// <param name="VectorOffset">Where vector 0 starts in <paramref name="Vector"/> (groups only).</param>
/// <param name="VectorStride">The distance between consecutive vectors of a group.</param>
/// <param name="TargetStride">The distance between consecutive vectors' outputs in a group.</param>
internal sealed record Product(
    string Comment,
    int Inputs,
    int Outputs,
    int First,
    int End,
    string Weights,
    string Vector,
    string Target,
    int TargetOffset,
    ProductStart Start,
    string? Bias = null,
    int BiasOffset = 0,
    bool Packed = true,
    int WeightsOffset = 0,
    int Count = 1,
    int VectorOffset = 0,
    int VectorStride = 0,
    int TargetStride = 0);

/// <summary>
/// Emits products over packed weights: per panel, a block of up to <see cref="MaxAccumulators"/> vector accumulators
/// that stay in registers while k runs over the inputs (one broadcast of x[k] and one fused multiply-add per
/// vector), constant tails by narrower vectors and scalars; runs of whole panels become a loop over panels.
/// </summary>
internal static class ProductEmitter
{
    /// <summary>
    /// Independent accumulators per block: enough to cover the latency of a fused multiply-add (4 cycles, 2 per
    /// cycle), few enough for x64's 16 registers of AVX2 with the broadcast and a load beside them.
    /// </summary>
    public const int MaxAccumulators = 8;

    /// <summary>
    /// Accumulators of a group product (several vectors share each W load): 12 with AVX2's 16 registers (3 chunks of
    /// W x 4 vectors, beside the 3 chunks of W and one broadcast), 16 with AVX-512's 32. More than 8 leave the
    /// multiply-adds slack: 8 chains just cover 4 cycles of latency at 2 per cycle.
    /// </summary>
    public static int GroupAccumulators(Simd simd) => simd.Isa == Isa.Vector512 ? 16 : 12;

    public static void Emit(SourceWriter w, Simd simd, int panelWidth, Product product)
    {
        w.Line($"// {product.Comment}");
        List<Segment> segments = Segments(product, panelWidth);
        for (int i = 0; i < segments.Count;)
        {
            int run = 0;
            while (i + run < segments.Count && segments[i + run].Width == panelWidth && (!product.Packed || segments[i + run].Stride == panelWidth))
            {
                run++;
            }

            if (run >= 2)
            {
                Segment first = segments[i];
                using (w.Block($"for (int panel = 0; panel < {run}; panel++)", string.Empty))
                {
                    EmitSegment(
                        w,
                        simd,
                        product,
                        panelWidth,
                        product.Packed ? panelWidth : product.Outputs,
                        Sum(Literals.Int(first.Base), $"(panel * {(product.Packed ? panelWidth * product.Inputs : panelWidth)})"),
                        Sum(Literals.Int(first.Target), $"(panel * {panelWidth})"),
                        Sum(Literals.Int(first.Bias), $"(panel * {panelWidth})"));
                }

                i += run;
                continue;
            }

            Segment segment = segments[i];
            EmitSegment(w, simd, product, segment.Width, segment.Stride, Literals.Int(segment.Base), Literals.Int(segment.Target), Literals.Int(segment.Bias));
            i++;
        }
    }

    private static void EmitSegment(SourceWriter w, Simd simd, Product product, int width, int stride, string weightBase, string target, string bias)
    {
        if (simd.Isa.IsScalar)
        {
            EmitScalarSegment(w, simd, product, width, stride, weightBase, target, bias);
            return;
        }

        // blocks of MaxAccumulators full vectors (GroupAccumulators over a group's vectors)
        int perBlock = product.Count == 1 ? MaxAccumulators : System.Math.Max(1, GroupAccumulators(simd) / product.Count);
        EmitBlocks(w, simd, width, perBlock, vectorsOnly: false, (group, column) => EmitGroup(w, simd, product, group, column, stride, weightBase, target, bias));
    }

    /// <summary>
    /// Cuts [0, <paramref name="width"/>) into register blocks of <paramref name="perBlock"/> chunks and has
    /// <paramref name="block"/> emit each from its chunks and the index expression where they start: whole blocks of
    /// full vectors become a loop over <paramref name="counter"/> when there are two or more, the rest are emitted one
    /// after another (vector chunks only when <paramref name="vectorsOnly"/>). Returns where the chunks handed out end,
    /// so a caller can finish the last few units its own way.
    /// </summary>
    public static int EmitBlocks(SourceWriter w, Simd simd, int width, int perBlock, bool vectorsOnly, System.Action<List<(int Offset, int Lanes)>, string> block, string counter = "block")
    {
        int blockWidth = perBlock * simd.MaxLanes;
        int blocks = width / blockWidth;
        int done = 0;
        if (blocks >= 2)
        {
            using (w.Block($"for (int {counter} = 0; {counter} < {blocks}; {counter}++)", string.Empty))
            {
                block(simd.Chunks(blockWidth), $"({counter} * {blockWidth})");
            }

            done = blocks * blockWidth;
        }

        List<(int Offset, int Lanes)> chunks = simd.Chunks(width - done).Where(c => !vectorsOnly || c.Lanes > 1).ToList();
        for (int start = 0; start < chunks.Count; start += perBlock)
        {
            block(chunks.Skip(start).Take(perBlock).ToList(), Literals.Int(done));
        }

        return done + chunks.Select(c => c.Offset + c.Lanes).DefaultIfEmpty(0).Max();
    }

    /// <summary>One block of accumulators: outputs at <paramref name="column"/> + each chunk's offset within the segment.</summary>
    private static void EmitGroup(SourceWriter w, Simd simd, Product product, List<(int Offset, int Lanes)> group, string column, int stride, string weightBase, string target, string bias)
    {
        target = Sum(target, column);
        bias = Sum(bias, column);
        int first = group[0].Offset;
        int end = group[group.Count - 1].Offset + group[group.Count - 1].Lanes;
        if (product.Count > 1)
        {
            EmitSequenceGroup(w, simd, product, group, Sum(weightBase, column), stride, target, bias, Describe(target, first, end));
            return;
        }

        using (w.Block($"// outputs {Describe(target, first, end)}: {group.Count} accumulator(s) in registers while k runs", string.Empty))
        {
            for (int a = 0; a < group.Count; a++)
            {
                (int offset, int lanes) = group[a];
                w.Line($"{simd.Type(lanes)} a{a} = {StartValue(simd, product, target, bias, offset, 0, lanes)};");
            }

            if (simd.UnrollProducts)
            {
                EmitUnrolledInputs(w, simd, product, group, Sum(weightBase, column), stride);
            }
            else
            {
                EmitInputLoop(w, simd, product, group, Sum(weightBase, column), stride);
            }

            for (int a = 0; a < group.Count; a++)
            {
                (int offset, int lanes) = group[a];
                w.Line(simd.Store(product.Target, Simd.Index(target, offset), lanes, $"a{a}"));
            }
        }
    }

    /// <summary>
    /// One block of outputs for every vector of a group: accumulator <c>a{chunk}_{vector}</c>; each k loads a chunk of W
    /// once and multiply-adds it into every vector's accumulator, so W is read once for the whole group.
    /// </summary>
    private static void EmitSequenceGroup(SourceWriter w, Simd simd, Product product, List<(int Offset, int Lanes)> group, string rowBase, int stride, string target, string bias, string outputs)
    {
        int count = product.Count;
        using (w.Block($"// outputs {outputs} of each of the {count} vectors: {group.Count * count} accumulator(s) in registers while k runs, each W load used {count} times", string.Empty))
        {
            for (int a = 0; a < group.Count; a++)
            {
                (int offset, int lanes) = group[a];
                for (int b = 0; b < count; b++)
                {
                    w.Line($"{simd.Type(lanes)} a{a}_{b} = {StartValue(simd, product, target, bias, offset, b * product.TargetStride, lanes)};");
                }
            }

            using (w.Block($"for (nint k = 0; k < {product.Inputs}; k++)", string.Empty))
            {
                // the chunks of W's row k in registers, then each vector's x[k] broadcast once and multiplied into them
                // (k is pointer-sized, so x[k] of vector b is a constant offset from x[k] of vector 0: an addressing mode)
                w.Line($"ref {simd.T} row = ref {Simd.Unsafe}.Add(ref {product.Weights}, {Sum(rowBase, $"(k * {stride})")});");
                w.Line($"ref {simd.T} xk = ref {Simd.Unsafe}.Add(ref {product.Vector}, k);");
                for (int a = 0; a < group.Count; a++)
                {
                    (int offset, int lanes) = group[a];
                    w.Line($"{simd.Type(lanes)} w{a} = {simd.Load("row", Literals.Int(offset), lanes)};");
                }

                for (int b = 0; b < count; b++)
                {
                    int at = product.VectorOffset + (b * product.VectorStride);
                    string x = at == 0 ? "xk" : simd.Load("xk", Literals.Int(at), 1);
                    foreach (int lanes in group.Select(c => c.Lanes).Distinct())
                    {
                        w.Line($"{simd.Type(lanes)} x{lanes}_{b} = {simd.Splat(x, lanes)};");
                    }

                    for (int a = 0; a < group.Count; a++)
                    {
                        (int offset, int lanes) = group[a];
                        w.Line($"a{a}_{b} = {simd.MultiplyAdd($"w{a}", $"x{lanes}_{b}", $"a{a}_{b}", lanes)};");
                    }
                }
            }

            for (int a = 0; a < group.Count; a++)
            {
                (int offset, int lanes) = group[a];
                for (int b = 0; b < count; b++)
                {
                    w.Line(simd.Store(product.Target, Simd.Index(target, offset + (b * product.TargetStride)), lanes, $"a{a}_{b}"));
                }
            }
        }
    }

    /// <summary>The accumulators' k loop: one broadcast of x[k] per width, one fused multiply-add per accumulator.</summary>
    private static void EmitInputLoop(SourceWriter w, Simd simd, Product product, List<(int Offset, int Lanes)> group, string rowBase, int stride)
    {
        // x through a reference whose slice checks its length once, and a pointer-sized k: no bounds check, no
        // sign extension in the loop
        w.Line(simd.Reference("xs", product.Vector, product.Inputs));
        using (w.Block($"for (nint k = 0; k < {product.Inputs}; k++)", string.Empty))
        {
            w.Line($"ref {simd.T} row = ref {Simd.Unsafe}.Add(ref {product.Weights}, {Sum(rowBase, $"(k * {stride})")});");
            foreach (int lanes in group.Select(c => c.Lanes).Distinct())
            {
                w.Line($"{simd.Type(lanes)} x{lanes} = {simd.Splat($"{Simd.Unsafe}.Add(ref xs, k)", lanes)};");
            }

            for (int a = 0; a < group.Count; a++)
            {
                (int offset, int lanes) = group[a];
                w.Line($"a{a} = {simd.MultiplyAdd(simd.Load("row", Literals.Int(offset), lanes), $"x{lanes}", $"a{a}", lanes)};");
            }
        }
    }

    /// <summary>
    /// The same multiply-adds in the same order with k written out: constant offsets into W and x, no loop counter
    /// (x is read through a reference whose slice checks its length once).
    /// </summary>
    private static void EmitUnrolledInputs(SourceWriter w, Simd simd, Product product, List<(int Offset, int Lanes)> group, string rowBase, int stride)
    {
        int[] widths = group.Select(c => c.Lanes).Distinct().ToArray();
        w.Line(simd.Reference("xs", product.Vector, product.Inputs));
        foreach (int lanes in widths)
        {
            w.Line($"{simd.Type(lanes)} x{lanes};");
        }

        for (int k = 0; k < product.Inputs; k++)
        {
            w.Line($"// k = {k}");
            foreach (int lanes in widths)
            {
                w.Line($"x{lanes} = {simd.Splat(simd.Load("xs", Literals.Int(k), 1), lanes)};");
            }

            for (int a = 0; a < group.Count; a++)
            {
                (int offset, int lanes) = group[a];
                string at = Simd.Index(rowBase, (k * stride) + offset);
                w.Line($"a{a} = {simd.MultiplyAdd(simd.Load(product.Weights, at, lanes), $"x{lanes}", $"a{a}", lanes)};");
            }
        }
    }

    private static void EmitScalarSegment(SourceWriter w, Simd simd, Product product, int width, int stride, string weightBase, string target, string bias)
    {
        string at = $"{Simd.Unsafe}.Add(ref {product.Target}, {Sum(target, "n")})";
        if (product.Start != ProductStart.Accumulate)
        {
            using (w.Block($"for (int n = 0; n < {width}; n++)", string.Empty))
            {
                w.Line(product.Start == ProductStart.Zero
                    ? $"{at} = {simd.Zero(1)};"
                    : $"{at} = {Simd.Unsafe}.Add(ref {product.Bias}, {Sum(bias, "n")});");
            }
        }

        using (w.Block($"for (int k = 0; k < {product.Inputs}; k++)", string.Empty))
        {
            w.Line($"{simd.T} xk = {product.Vector}[k];");
            w.Line($"ref {simd.T} row = ref {Simd.Unsafe}.Add(ref {product.Weights}, {Sum(weightBase, $"(k * {stride})")});");
            using (w.Block($"for (int n = 0; n < {width}; n++)", string.Empty))
            {
                w.Line($"{at} += {Simd.Unsafe}.Add(ref row, n) * xk;");
            }
        }
    }

    /// <summary>
    /// Emits <c>G[row, :] += scale[row] * x</c> for rows [0, rows) of a row-major gradient G [rows, columns] (a
    /// weight gradient's outer product <c>dW += da x^T</c>): x stays in registers, every row of G is read and written once.
    /// </summary>
    public static void EmitOuter(SourceWriter w, Simd simd, string comment, int rows, int columns, string gradient, string scale, string vector)
    {
        w.Line($"// {comment}");
        if (simd.Isa.IsScalar)
        {
            using (w.Block($"for (int row = 0; row < {rows}; row++)", string.Empty))
            {
                w.Line($"{simd.T} s = {scale}[row];");
                w.Line($"ref {simd.T} gradientRow = ref {Simd.Unsafe}.Add(ref {gradient}, row * {columns});");
                using (w.Block($"for (int n = 0; n < {columns}; n++)", string.Empty))
                {
                    w.Line($"{Simd.Unsafe}.Add(ref gradientRow, n) += s * {Simd.Unsafe}.Add(ref {vector}, n);");
                }
            }

            return;
        }

        EmitBlocks(w, simd, columns, MaxAccumulators, vectorsOnly: false, (group, column) => EmitOuterGroup(w, simd, group, column, rows, columns, gradient, scale, vector));
    }

    private static void EmitOuterGroup(SourceWriter w, Simd simd, List<(int Offset, int Lanes)> group, string columnBase, int rows, int columns, string gradient, string scale, string vector)
    {
        int first = group[0].Offset;
        int end = group[group.Count - 1].Offset + group[group.Count - 1].Lanes;
        using (w.Block($"// columns [{Simd.Index(columnBase, first)}, {Simd.Index(columnBase, end)}): x in {group.Count} register(s)", string.Empty))
        {
            for (int c = 0; c < group.Count; c++)
            {
                w.Line($"{simd.Type(group[c].Lanes)} x{c} = {simd.Load(vector, Simd.Index(columnBase, group[c].Offset), group[c].Lanes)};");
            }

            using (w.Block($"for (int row = 0; row < {rows}; row++)", string.Empty))
            {
                w.Line($"ref {simd.T} gradientRow = ref {Simd.Unsafe}.Add(ref {gradient}, row * {columns});");
                foreach (int lanes in group.Select(c => c.Lanes).Distinct())
                {
                    w.Line($"{simd.Type(lanes)} s{lanes} = {simd.Splat($"{scale}[row]", lanes)};");
                }

                for (int c = 0; c < group.Count; c++)
                {
                    (int offset, int lanes) = group[c];
                    string at = Simd.Index(columnBase, offset);
                    w.Line(simd.Store("gradientRow", at, lanes, simd.MultiplyAdd($"x{c}", $"s{lanes}", simd.Load("gradientRow", at, lanes), lanes)));
                }
            }
        }
    }

    /// <summary>What an accumulator starts from: zeros, the bias, or what the target holds (<paramref name="vectorOffset"/> further on for a group's later vectors).</summary>
    private static string StartValue(Simd simd, Product product, string target, string bias, int offset, int vectorOffset, int lanes) => product.Start switch
    {
        ProductStart.Zero => simd.Zero(lanes),
        ProductStart.Bias => simd.Load(product.Bias!, Simd.Index(bias, offset), lanes),
        _ => simd.Load(product.Target, Simd.Index(target, offset + vectorOffset), lanes),
    };

    /// <summary>The outputs [first, end) of a segment whose first output is at <paramref name="target"/>, for a comment.</summary>
    private static string Describe(string target, int first, int end) =>
        int.TryParse(target, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int start)
            ? $"[{start + first}, {start + end})"
            : $"[{Simd.Index(target, first)}, {Simd.Index(target, end)})";

    private static string Sum(string a, string b) => a == "0" ? b : b == "0" ? a : $"{a} + {b}";

    private static List<Segment> Segments(Product product, int panelWidth)
    {
        var segments = new List<Segment>();
        if (!product.Packed)
        {
            for (int n = product.First; n < product.End; n += panelWidth)
            {
                int width = System.Math.Min(panelWidth, product.End - n);
                segments.Add(new Segment(product.WeightsOffset + n, product.Outputs, width, product.TargetOffset + (n - product.First), product.BiasOffset + (n - product.First)));
            }

            return segments;
        }

        for (int n = product.First; n < product.End;)
        {
            int panelStart = n / panelWidth * panelWidth;
            int panel = System.Math.Min(panelWidth, product.Outputs - panelStart);
            int end = System.Math.Min(product.End, panelStart + panel);
            segments.Add(new Segment(
                (panelStart * product.Inputs) + (n - panelStart),
                panel,
                end - n,
                product.TargetOffset + (n - product.First),
                product.BiasOffset + (n - product.First)));
            n = end;
        }

        return segments;
    }

    /// <summary>The outputs of a product that lie in one panel: where its row starts, the panel's row stride, how many.</summary>
    private readonly record struct Segment(int Base, int Stride, int Width, int Target, int Bias);
}
