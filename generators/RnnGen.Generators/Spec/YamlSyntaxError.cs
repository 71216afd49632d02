using System;
using RnnGen.Generators.Diagnostics;
using YamlDotNet.Core;

namespace RnnGen.Generators.Spec;

/// <summary>
/// Reports a YamlDotNet syntax error as RNN0001: its message, tidied to read as part of ours,
/// and a hint that names the usual fix.
/// </summary>
internal static class YamlSyntaxError
{
    public static void Report(YamlException exception, string yaml, SpecLocator locator, SpecDiagnostics diagnostics)
    {
        string message = Tidy(exception.Message);
        bool tab = Mentions(message, "tab");

        // YamlDotNet places a tab error at the start of the enclosing mapping; the tab itself is where the fix goes.
        int tabIndex = tab ? FirstIndentingTab(yaml) : -1;
        LocationInfo location = tabIndex >= 0
            ? locator.Between(tabIndex + locator.BomLength, tabIndex + locator.BomLength + 1)
            : locator.Span(exception.Start, exception.End);

        diagnostics.Report(DiagnosticDescriptors.InvalidYaml, location, message + "; " + Hint(message, tab));
    }

    private static string Tidy(string message)
    {
        string text = message.Trim().TrimEnd('.');
        if (text.Length == 0)
        {
            return "YamlDotNet gave no reason";
        }

        // "While scanning ..." continues our sentence, so it loses its capital; "YAML ..." keeps it.
        return text.Length > 1 && char.IsUpper(text[0]) && char.IsLower(text[1])
            ? char.ToLowerInvariant(text[0]) + text.Substring(1)
            : text;
    }

    private static string Hint(string message, bool tab)
    {
        if (tab)
        {
            return "indent with spaces, as YAML does not allow tabs in indentation";
        }

        if (Mentions(message, "quoted scalar"))
        {
            return "close the quoted string that starts here";
        }

        if (Mentions(message, "flow sequence"))
        {
            return "close the '[' with ']' and separate the items with ','";
        }

        if (Mentions(message, "flow mapping"))
        {
            return "close the '{' with '}' and separate the entries with ','";
        }

        if (Mentions(message, "expected ':'"))
        {
            return "put ': ' after the key, or quote the text if it is a value";
        }

        if (Mentions(message, "mapping") || Mentions(message, "block") || Mentions(message, "expected key"))
        {
            return "check the indentation of this line against its siblings, and quote values that contain ': '";
        }

        if (Mentions(message, "reader stopped"))
        {
            return "check that every '[', '{' and quote after this point is closed";
        }

        return "fix the YAML syntax at this position";
    }

    private static bool Mentions(string message, string words) =>
        message.IndexOf(words, StringComparison.OrdinalIgnoreCase) >= 0;

    /// <summary>Index of the first tab in the leading whitespace of a line, or -1.</summary>
    private static int FirstIndentingTab(string yaml)
    {
        bool lineStart = true;
        for (int i = 0; i < yaml.Length; i++)
        {
            char c = yaml[i];
            if (c == '\t' && lineStart)
            {
                return i;
            }

            lineStart = c is '\n' or '\r' || (lineStart && c == ' ');
        }

        return -1;
    }
}
