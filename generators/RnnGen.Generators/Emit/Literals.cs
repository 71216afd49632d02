using System;
using System.Globalization;
using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>
/// The one place numbers become C# text: round-trip formats under the invariant culture, so a
/// value in the spec is the value in the code, on every machine.
/// </summary>
internal static class Literals
{
    /// <summary>A literal of the model's element type: <c>G9</c> + <c>f</c> for float, <c>R</c> + <c>d</c> for double.</summary>
    public static string Real(double value, Precision precision) => precision == Precision.Float32
        ? ((float)value).ToString("G9", CultureInfo.InvariantCulture) + "f"
        : value.ToString("R", CultureInfo.InvariantCulture) + "d";

    /// <summary>A number as prose in a comment, shortest round-trip form.</summary>
    public static string Plain(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>An <c>int</c> literal.</summary>
    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A C# string literal with every character that needs it escaped.</summary>
    public static string String(string value)
    {
        var text = new System.Text.StringBuilder(value.Length + 2);
        text.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (char.IsControl(c) || char.IsSurrogate(c))
                    {
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        return text.Append('"').ToString();
    }

    /// <summary>The C# keyword of the element type.</summary>
    public static string TypeName(Precision precision) => precision == Precision.Float32 ? "float" : "double";

    /// <summary>Bytes of one element.</summary>
    public static int ElementBytes(Precision precision) => precision == Precision.Float32 ? 4 : 8;

    /// <summary><c>1/sqrt(n)</c>, the bound of PyTorch's default uniform initialization.</summary>
    public static double InverseSqrt(int n) => 1.0 / Math.Sqrt(n);
}
