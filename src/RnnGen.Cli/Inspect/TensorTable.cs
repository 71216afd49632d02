using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace RnnGen.Cli.Inspect;

/// <summary>Writes the report of <c>rnngen inspect</c> as a plain, aligned table.</summary>
internal static class TensorTable
{
    public static void Write(TextWriter writer, IReadOnlyList<TensorRow> rows, bool withSpec)
    {
        var header = new List<string> { "name", "dtype", "shape", "bytes" };
        if (withSpec)
        {
            header.Add("spec");
        }

        List<string[]> cells = rows.Select(row => Cells(row, withSpec)).ToList();
        int[] widths = header.Select((title, column) => cells.Select(c => c[column].Length).Append(title.Length).Max()).ToArray();
        writer.WriteLine(Line(header.ToArray(), widths));
        foreach (string[] row in cells)
        {
            writer.WriteLine(Line(row, widths));
        }
    }

    /// <summary>"[128, 16]" (a scalar is "[]").</summary>
    public static string Shape(IReadOnlyList<int> shape) => ShapeText.Format(shape);

    /// <summary>Text from a file, made safe to print: control characters become <c>\uXXXX</c>, so a name cannot drive the terminal.</summary>
    public static string Printable(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            builder.Append(char.IsControl(c) ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString());
        }

        return builder.ToString();
    }

    private static string[] Cells(TensorRow row, bool withSpec)
    {
        var cells = new List<string>
        {
            Printable(row.Name),
            row.DType ?? "-",
            row.Shape is null ? "-" : Shape(row.Shape),
            row.Bytes?.ToString(CultureInfo.InvariantCulture) ?? "-",
        };
        if (withSpec)
        {
            cells.Add(row.Status switch
            {
                TensorStatus.Ok => "ok",
                TensorStatus.WrongShape => "wrong shape: the spec needs " + Shape(row.Expected!),
                TensorStatus.Unknown => "unknown: not a parameter of the spec",
                TensorStatus.Missing => "missing: the spec needs " + Shape(row.Expected!),
                _ => string.Empty,
            });
        }

        return cells.ToArray();
    }

    // Numbers align right, text left; the last column is not padded.
    private static string Line(string[] cells, int[] widths)
    {
        var parts = new string[cells.Length];
        for (int i = 0; i < cells.Length; i++)
        {
            bool last = i == cells.Length - 1;
            parts[i] = i == 3 ? cells[i].PadLeft(widths[i]) : last ? cells[i] : cells[i].PadRight(widths[i]);
        }

        return string.Join("  ", parts);
    }
}
