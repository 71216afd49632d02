using System.Globalization;
using System.Linq;
using System.Text;

namespace RnnGen.Cli.Mirror;

/// <summary>What the generated Python script needs to embed text safely: string literal contents and module names.</summary>
internal static class PythonText
{
    private static readonly string[] Keywords =
    {
        "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except",
        "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass",
        "raise", "return", "try", "while", "with", "yield",
    };

    /// <summary>
    /// The contents of a non-raw <c>"""</c> string literal that Python reads back as <paramref name="text"/> (with
    /// line ends made <c>\n</c>): backslashes and quotes escaped, so no <c>"""</c> can end it early; control and
    /// line-separator characters, and unpaired surrogates, as <c>\uXXXX</c>; tabs and newlines as they are.
    /// </summary>
    public static string TripleQuotedContents(string text)
    {
        string lines = text.Replace("\r\n", "\n").Replace('\r', '\n');
        var builder = new StringBuilder(lines.Length + 16);
        for (int i = 0; i < lines.Length; i++)
        {
            char c = lines[i];
            if (c is '\\' or '"')
            {
                builder.Append('\\').Append(c);
            }
            else if (c is '\n' or '\t')
            {
                builder.Append(c);
            }
            else if (char.IsHighSurrogate(c) && i + 1 < lines.Length && char.IsLowSurrogate(lines[i + 1]))
            {
                builder.Append(c).Append(lines[++i]);
            }
            else if (char.IsControl(c) || char.IsSurrogate(c) || char.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator || c == '\uFEFF')
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// A Python module name for a C# class name, in snake case (<c>JumpDetector</c> -> <c>jump_detector</c>,
    /// <c>LSTMTagger</c> -> <c>lstm_tagger</c>); <c>model</c> when the name is not plain ASCII, and with
    /// <c>_model</c> appended when it would be a keyword or <paramref name="reserved"/>.
    /// </summary>
    public static string ModuleName(string className, string reserved)
    {
        var builder = new StringBuilder(className.Length + 4);
        for (int i = 0; i < className.Length; i++)
        {
            char c = className[i];
            if (char.IsAsciiLetterUpper(c) && i > 0)
            {
                char before = className[i - 1];
                bool afterWord = char.IsAsciiLetterLower(before) || char.IsAsciiDigit(before);
                bool endsAcronym = char.IsAsciiLetterUpper(before) && i + 1 < className.Length && char.IsAsciiLetterLower(className[i + 1]);
                if (afterWord || endsAcronym)
                {
                    builder.Append('_');
                }
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        string name = builder.ToString();
        if (name.Length == 0 || char.IsAsciiDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            return "model";
        }

        return Keywords.Contains(name) || name == reserved ? name + "_model" : name;
    }
}
