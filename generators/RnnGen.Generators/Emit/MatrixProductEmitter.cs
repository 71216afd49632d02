using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generators.Emit;

/// <summary>
/// Emits the weight gradients of a whole sequence as matrix products, once after the backward recurrence, instead of
/// an outer product per step: <c>G [rows, columns] += A^T X</c>, where row i of A [count, rows] is step i's gate
/// derivatives and row i of X [count, columns] what those gates read at that step (x or h'). Each block of
/// <see cref="RowBlock"/> rows of G by a few vectors of columns stays in registers while i runs over the steps, so G is
/// read and written once per sequence, not once per step.
/// </summary>
internal static class MatrixProductEmitter
{
    /// <summary>Rows of G per register block: each loaded vector of X serves this many fused multiply-adds.</summary>
    public const int RowBlock = 4;

    /// <summary>
    /// Vectors of columns per register block: 4 x 4 = 16 accumulators with AVX-512's 32 registers, 4 x 2 = 8 with the 16
    /// of AVX2 and SSE (the 4 broadcasts and the loads of X take the rest).
    /// </summary>
    private static int ColumnVectors(Simd simd) => simd.Isa.Bits == 512 ? 4 : 2;

    /// <summary>
    /// A method <paramref name="name"/> with a dispatcher and one body per instruction set:
    /// <c>gradient[r, k] += sum over i in [0, count) of a[i*aStride + r] * x[i*xStride + k]</c>, gradient [rows, columns].
    /// </summary>
    public static void EmitMethod(SourceWriter w, ModelPlan plan, string name, string comment, int rows, int columns)
    {
        string t = plan.T;
        var parameters = new List<string>
        {
            $"global::System.Span<{t}> gradient",
            $"global::System.ReadOnlySpan<{t}> a",
            "int aStride",
            $"global::System.ReadOnlySpan<{t}> x",
            "int xStride",
            "int count",
        };
        w.Summary(
            $"{comment}: gradient [{rows}, {columns}] += A^T X over <paramref name=\"count\"/> steps, row i of A at a[i*aStride..] ({rows} values)",
            $"and of X at x[i*xStride..] ({columns} values). One matrix product per sequence replaces an outer product per step.");
        CellEmitter.EmitPerInstructionSet(w, plan, name, parameters, isa =>
        {
            var simd = new Simd(plan.Spec.Precision, isa);
            using (w.Block("if (count <= 0)", string.Empty))
            {
                w.Line("return;");
            }

            w.Line("// the slices prove that A and X hold count rows (and throw if not)");
            w.Line(simd.Reference("grad", "gradient", rows * columns));
            w.Line($"ref {t} aBase = ref {Simd.MemoryMarshal}.GetReference(a.Slice(0, checked(((count - 1) * aStride) + {rows})));");
            w.Line($"ref {t} xBase = ref {Simd.MemoryMarshal}.GetReference(x.Slice(0, checked(((count - 1) * xStride) + {columns})));");
            using (w.Block("if (aStride < 0 || xStride < 0)", string.Empty))
            {
                w.Line("throw new global::System.ArgumentOutOfRangeException(nameof(aStride));");
            }

            w.Line();
            if (isa.IsScalar)
            {
                EmitScalar(w, simd, rows, columns);
            }
            else
            {
                EmitBlocked(w, simd, rows, columns);
            }
        });
    }

    /// <summary>
    /// A method <paramref name="name"/> with one body per instruction set: <c>gradient[r] += sum over i in [0, count) of
    /// a[i*aStride + r]</c>, a bias gradient as the column sums of A.
    /// </summary>
    public static void EmitColumnSums(SourceWriter w, ModelPlan plan, string name, string comment, int rows)
    {
        string t = plan.T;
        var parameters = new List<string>
        {
            $"global::System.Span<{t}> gradient",
            $"global::System.ReadOnlySpan<{t}> a",
            "int aStride",
            "int count",
        };
        w.Summary($"{comment}: gradient [{rows}] += the sum of the <paramref name=\"count\"/> rows of A, row i at a[i*aStride..].");
        CellEmitter.EmitPerInstructionSet(w, plan, name, parameters, isa =>
        {
            var simd = new Simd(plan.Spec.Precision, isa);
            using (w.Block("if (count <= 0)", string.Empty))
            {
                w.Line("return;");
            }

            w.Line(simd.Reference("grad", "gradient", rows));
            w.Line($"ref {t} aBase = ref {Simd.MemoryMarshal}.GetReference(a.Slice(0, checked(((count - 1) * aStride) + {rows})));");
            using (w.Block("if (aStride < 0)", string.Empty))
            {
                w.Line("throw new global::System.ArgumentOutOfRangeException(nameof(aStride));");
            }

            if (isa.IsScalar)
            {
                using (w.Block("for (int i = 0; i < count; i++)", string.Empty))
                {
                    w.Line($"ref {t} aRow = ref {Simd.Unsafe}.Add(ref aBase, i * aStride);");
                    using (w.Block($"for (int r = 0; r < {rows}; r++)", string.Empty))
                    {
                        w.Line($"{Simd.Unsafe}.Add(ref grad, r) += {Simd.Unsafe}.Add(ref aRow, r);");
                    }
                }

                return;
            }

            // blocks of MaxAccumulators full vectors, then the last rows one at a time
            int scalarStart = ProductEmitter.EmitBlocks(w, simd, rows, ProductEmitter.MaxAccumulators, vectorsOnly: true, (group, row) => EmitSumGroup(w, simd, group, row));
            if (scalarStart < rows)
            {
                using (w.Block($"for (int r = {scalarStart}; r < {rows}; r++)", string.Empty))
                {
                    w.Line($"{t} sum = {Simd.Unsafe}.Add(ref grad, r);");
                    using (w.Block("for (int i = 0; i < count; i++)", string.Empty))
                    {
                        w.Line($"sum += {Simd.Unsafe}.Add(ref aBase, (i * aStride) + r);");
                    }

                    w.Line($"{Simd.Unsafe}.Add(ref grad, r) = sum;");
                }
            }
        });
    }

    /// <summary>One group of column sums kept in registers while i runs over the rows of A: rows <paramref name="row"/> + each chunk's offset.</summary>
    private static void EmitSumGroup(SourceWriter w, Simd simd, List<(int Offset, int Lanes)> group, string row)
    {
        int first = group[0].Offset;
        int end = group[group.Count - 1].Offset + group[group.Count - 1].Lanes;
        using (w.Block($"// rows [{Simd.Index(row, first)}, {Simd.Index(row, end)}): {group.Count} sum(s) in registers while i runs", string.Empty))
        {
            for (int s = 0; s < group.Count; s++)
            {
                w.Line($"{simd.Type(group[s].Lanes)} s{s} = {simd.Load("grad", Simd.Index(row, group[s].Offset), group[s].Lanes)};");
            }

            using (w.Block("for (int i = 0; i < count; i++)", string.Empty))
            {
                w.Line($"ref {simd.T} aRow = ref {Simd.Unsafe}.Add(ref aBase, {Sum("(i * aStride)", row)});");
                for (int s = 0; s < group.Count; s++)
                {
                    w.Line($"s{s} += {simd.Load("aRow", Literals.Int(group[s].Offset), group[s].Lanes)};");
                }
            }

            for (int s = 0; s < group.Count; s++)
            {
                w.Line(simd.Store("grad", Simd.Index(row, group[s].Offset), group[s].Lanes, $"s{s}"));
            }
        }
    }

    private static void EmitScalar(SourceWriter w, Simd simd, int rows, int columns)
    {
        w.Line("// one step at a time: G += a_i x_i^T");
        using (w.Block("for (int i = 0; i < count; i++)", string.Empty))
        {
            w.Line($"ref {simd.T} aRow = ref {Simd.Unsafe}.Add(ref aBase, i * aStride);");
            w.Line($"ref {simd.T} xRow = ref {Simd.Unsafe}.Add(ref xBase, i * xStride);");
            using (w.Block($"for (int r = 0; r < {rows}; r++)", string.Empty))
            {
                w.Line($"{simd.T} s = {Simd.Unsafe}.Add(ref aRow, r);");
                w.Line($"ref {simd.T} gradRow = ref {Simd.Unsafe}.Add(ref grad, r * {columns});");
                using (w.Block($"for (int k = 0; k < {columns}; k++)", string.Empty))
                {
                    w.Line($"{Simd.Unsafe}.Add(ref gradRow, k) += s * {Simd.Unsafe}.Add(ref xRow, k);");
                }
            }
        }
    }

    /// <summary>Register blocks of <see cref="RowBlock"/> rows: a loop over whole row blocks, then a loop over the remaining rows.</summary>
    private static void EmitBlocked(SourceWriter w, Simd simd, int rows, int columns)
    {
        int blocks = rows / RowBlock;
        if (blocks >= 2)
        {
            using (w.Block($"for (int rowBlock = 0; rowBlock < {blocks}; rowBlock++)", string.Empty))
            {
                w.Line($"int row = rowBlock * {RowBlock};");
                EmitRowBlock(w, simd, RowBlock, "row", columns);
            }
        }
        else if (blocks == 1)
        {
            EmitRowBlock(w, simd, RowBlock, "0", columns);
        }

        if (rows % RowBlock != 0)
        {
            // the last rows one at a time: one tile text for every remainder, so the source stays small
            using (w.Block($"for (int row = {blocks * RowBlock}; row < {rows}; row++)", string.Empty))
            {
                EmitRowBlock(w, simd, 1, "row", columns);
            }
        }
    }

    /// <summary>Rows [row, row + count) of G over every column: column groups of whole vectors (a loop when several), then the tails.</summary>
    private static void EmitRowBlock(SourceWriter w, Simd simd, int rowCount, string row, int columns)
    {
        int scalarStart = ProductEmitter.EmitBlocks(w, simd, columns, ColumnVectors(simd), vectorsOnly: true, (chunks, column) => EmitTile(w, simd, rowCount, row, column, chunks, columns), counter: "columnGroup");
        if (scalarStart < columns)
        {
            EmitScalarColumns(w, simd, rowCount, row, scalarStart, columns);
        }
    }

    /// <summary>The last columns, fewer than a Vector128 holds, one at a time: rowCount sums per column.</summary>
    private static void EmitScalarColumns(SourceWriter w, Simd simd, int rowCount, string row, int first, int columns)
    {
        using (w.Block($"for (int k = {first}; k < {columns}; k++)", string.Empty))
        {
            for (int r = 0; r < rowCount; r++)
            {
                w.Line($"{simd.T} g{r} = {simd.Zero(1)};");
            }

            using (w.Block("for (int i = 0; i < count; i++)", string.Empty))
            {
                w.Line($"ref {simd.T} aRow = ref {Simd.Unsafe}.Add(ref aBase, {Sum("(i * aStride)", row)});");
                w.Line($"{simd.T} xk = {Simd.Unsafe}.Add(ref xBase, (i * xStride) + k);");
                for (int r = 0; r < rowCount; r++)
                {
                    w.Line($"g{r} = (xk * {Simd.Unsafe}.Add(ref aRow, {r})) + g{r};");
                }
            }

            for (int r = 0; r < rowCount; r++)
            {
                w.Line($"{Simd.Unsafe}.Add(ref grad, {RowStart(row, r, columns)} + k) += g{r};");
            }
        }
    }

    /// <summary>One register tile: rowCount rows by the chunks' columns, summed over every step.</summary>
    private static void EmitTile(SourceWriter w, Simd simd, int rowCount, string row, string column, List<(int Offset, int Lanes)> chunks, int columns)
    {
        int first = chunks[0].Offset;
        int end = chunks[chunks.Count - 1].Offset + chunks[chunks.Count - 1].Lanes;
        string rowText = row == "row" ? $"row + [0, {rowCount})" : $"[{row}, {int.Parse(row, System.Globalization.CultureInfo.InvariantCulture) + rowCount})";
        using (w.Block($"// rows {rowText} x columns [{Simd.Index(column, first)}, {Simd.Index(column, end)}): {rowCount * chunks.Count} accumulator(s) while i runs", string.Empty))
        {
            for (int r = 0; r < rowCount; r++)
            {
                for (int c = 0; c < chunks.Count; c++)
                {
                    w.Line($"{simd.Type(chunks[c].Lanes)} g{r}{c} = {simd.Zero(chunks[c].Lanes)};");
                }
            }

            using (w.Block("for (int i = 0; i < count; i++)", string.Empty))
            {
                w.Line($"ref {simd.T} aRow = ref {Simd.Unsafe}.Add(ref aBase, {Sum("(i * aStride)", row)});");
                w.Line($"ref {simd.T} xRow = ref {Simd.Unsafe}.Add(ref xBase, {Sum("(i * xStride)", column)});");
                for (int c = 0; c < chunks.Count; c++)
                {
                    w.Line($"{simd.Type(chunks[c].Lanes)} x{c} = {simd.Load("xRow", Literals.Int(chunks[c].Offset), chunks[c].Lanes)};");
                }

                IEnumerable<int> widths = chunks.Select(c => c.Lanes).Distinct().ToList();
                for (int r = 0; r < rowCount; r++)
                {
                    foreach (int lanes in widths)
                    {
                        w.Line($"{simd.Type(lanes)} a{r}w{lanes} = {simd.Splat($"{Simd.Unsafe}.Add(ref aRow, {r})", lanes)};");
                    }

                    for (int c = 0; c < chunks.Count; c++)
                    {
                        w.Line($"g{r}{c} = {simd.MultiplyAdd($"x{c}", $"a{r}w{chunks[c].Lanes}", $"g{r}{c}", chunks[c].Lanes)};");
                    }
                }
            }

            for (int r = 0; r < rowCount; r++)
            {
                w.Line($"ref {simd.T} gradRow{r} = ref {Simd.Unsafe}.Add(ref grad, {Sum(RowStart(row, r, columns), column)});");
                for (int c = 0; c < chunks.Count; c++)
                {
                    string at = Literals.Int(chunks[c].Offset);
                    w.Line(simd.Store($"gradRow{r}", at, chunks[c].Lanes, $"{simd.Load($"gradRow{r}", at, chunks[c].Lanes)} + g{r}{c}"));
                }
            }
        }
    }

    /// <summary>Where row <paramref name="row"/> + <paramref name="r"/> of G starts, folded when the row is a number.</summary>
    private static string RowStart(string row, int r, int columns) =>
        int.TryParse(row, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int start)
            ? Literals.Int((start + r) * columns)
            : r == 0 ? $"{row} * {columns}" : $"({row} + {r}) * {columns}";

    private static string Sum(string a, string b) => a == "0" ? b : b == "0" ? a : $"{a} + {b}";
}
