using System.Collections.Generic;
using System.Globalization;

namespace RnnGen;

/// <summary>Formats shapes the way error messages and <see cref="ParameterInfo.ToString"/> show them: <c>[128, 16]</c>.</summary>
internal static class ShapeText
{
    public static string Format(IReadOnlyList<int> shape)
    {
        var parts = new string[shape.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(", ", parts) + "]";
    }
}
