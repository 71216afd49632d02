using System.Globalization;
using System.Text.RegularExpressions;
using RnnGen.Generators.Diagnostics;

namespace RnnGen.Generators.Spec;

/// <summary>
/// Reads one scalar as the type its key needs, reporting RNN0007 (wrong type), RNN0008 (unknown
/// value) or RNN0009 (out of range) at the value. Numbers follow the YAML 1.2 core schema's decimal
/// forms under the invariant culture; quoted values are strings, never numbers or booleans.
/// </summary>
internal sealed class ValueReader
{
    // Decimal only: 0x10, 0o17, 1_000 and leading zeros mean different numbers in YAML 1.1 and 1.2.
    private static readonly Regex Integer = new(@"^[-+]?[0-9]+$", RegexOptions.CultureInvariant);
    private static readonly Regex Real = new(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant);
    private static readonly Regex NotFinite = new(@"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$", RegexOptions.CultureInvariant);
    private static readonly Regex TrueOrFalse = new(@"^(true|false)$", RegexOptions.CultureInvariant);
    private static readonly Regex OtherInteger = new(@"^[-+]?(0[xob][0-9a-fA-F_]+|[0-9][0-9_]*_[0-9_]*)$", RegexOptions.CultureInvariant);

    private readonly SpecLocator _locator;
    private readonly SpecDiagnostics _diagnostics;

    public ValueReader(SpecLocator locator, SpecDiagnostics diagnostics)
    {
        _locator = locator;
        _diagnostics = diagnostics;
    }

    /// <param name="rangeText">The fix when out of range, if <paramref name="range"/> does not say it well (a bound that depends on another key).</param>
    /// <param name="expected">What the key takes, when "an integer" does not say it well.</param>
    public bool TryInt(YamlNode node, string path, IntRange range, out int value, string? rangeText = null, string expected = "an integer")
    {
        value = 0;
        if (!TryPlain(node, path, expected, out YamlScalar scalar, looksRight: Integer))
        {
            return false;
        }

        string text = scalar.Value;
        if (!Integer.IsMatch(text))
        {
            string why = OtherInteger.IsMatch(text) ? expected + " in decimal digits"
                : Real.IsMatch(text) || NotFinite.IsMatch(text) ? expected + " (a whole number)"
                : expected;
            return WrongType(scalar, path, why);
        }

        if (HasLeadingZero(text))
        {
            return WrongType(scalar, path, expected + " without leading zeros (YAML 1.1 reads them as octal)");
        }

        // Too many digits for a long is simply out of range.
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed) || !range.Contains(parsed))
        {
            return OutOfRange(scalar, path, Phrases.Shown(text), rangeText ?? range.Describe());
        }

        value = (int)parsed;
        return true;
    }

    public bool TryNumber(YamlNode node, string path, NumberRange range, out double value)
    {
        const string Expected = "a number such as 0.5";
        value = 0;
        if (!TryPlain(node, path, Expected, out YamlScalar scalar, looksRight: Real))
        {
            return false;
        }

        string text = scalar.Value;
        if (NotFinite.IsMatch(text))
        {
            return OutOfRange(scalar, path, text + ", which is not a finite number", range.Describe());
        }

        if (!Real.IsMatch(text))
        {
            return WrongType(scalar, path, Expected);
        }

        // .NET Framework fails to parse what overflows a double; .NET reads it as infinity.
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) || double.IsInfinity(parsed))
        {
            return OutOfRange(scalar, path, Phrases.Shown(text) + ", which is too large for a double", range.Describe());
        }

        if (!range.Contains(parsed))
        {
            return OutOfRange(scalar, path, Phrases.Shown(text), range.Describe());
        }

        value = parsed;
        return true;
    }

    public bool TryBool(YamlNode node, string path, out bool value)
    {
        value = false;
        if (!TryPlain(node, path, "true or false", out YamlScalar scalar, looksRight: TrueOrFalse))
        {
            return false;
        }

        if (!TrueOrFalse.IsMatch(scalar.Value))
        {
            return WrongType(scalar, path, "true or false");
        }

        value = scalar.Value == "true";
        return true;
    }

    public bool TryEnum<T>(YamlNode node, string path, SpecEnum<T> values, out T value)
        where T : struct, System.Enum
    {
        value = default;
        if (!TryText(node, path, "one of " + values.Expected, out YamlScalar scalar))
        {
            return false;
        }

        if (values.TryParse(scalar.Value, out value))
        {
            return true;
        }

        string expected = values.Expected;
        if (Suggestions.Closest(scalar.Value, values.Names) is { } suggestion)
        {
            expected += $" (did you mean '{suggestion}'?)";
        }

        _diagnostics.Report(DiagnosticDescriptors.InvalidValue, _locator.Node(scalar), values.What, Phrases.Shown(scalar.Value), expected);
        return false;
    }

    /// <summary>Any non-empty scalar, quoted or not.</summary>
    public bool TryText(YamlNode node, string path, string expected, out YamlScalar scalar)
    {
        if (node is YamlScalar { IsNull: false } text)
        {
            scalar = text;
            return true;
        }

        scalar = null!;
        return WrongType(node, path, expected);
    }

    /// <summary>A plain scalar: quotes make a YAML value a string, whatever it looks like.</summary>
    /// <param name="looksRight">What the value would match without its quotes if quoting it was the only mistake.</param>
    private bool TryPlain(YamlNode node, string path, string expected, out YamlScalar scalar, Regex looksRight)
    {
        if (!TryText(node, path, expected, out scalar))
        {
            return false;
        }

        if (scalar.IsPlain)
        {
            return true;
        }

        return WrongType(scalar, path, expected, looksRight.IsMatch(scalar.Value) ? " (remove the quotes)" : string.Empty);
    }

    private bool WrongType(YamlNode node, string path, string expected, string fix = "")
    {
        _diagnostics.Report(DiagnosticDescriptors.WrongType, _locator.Node(node), Phrases.Quote(path), expected, node.Describe() + fix);
        return false;
    }

    private bool OutOfRange(YamlNode node, string path, string shown, string range)
    {
        _diagnostics.Report(DiagnosticDescriptors.OutOfRange, _locator.Node(node), Phrases.Quote(path), shown, range);
        return false;
    }

    private static bool HasLeadingZero(string text)
    {
        int digits = text[0] is '-' or '+' ? 1 : 0;
        return text.Length - digits > 1 && text[digits] == '0';
    }
}
