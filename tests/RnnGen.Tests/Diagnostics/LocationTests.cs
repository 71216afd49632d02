using RnnGen.Generators.Diagnostics;
using RnnGen.Generators.Spec;
using Xunit;
using static RnnGen.Tests.Diagnostics.SpecTexts;

namespace RnnGen.Tests.Diagnostics;

/// <summary>
/// Reported positions are YAML's marks made 0-based: line - 1 and column - 1, where YAML counts
/// lines from 1 (a CRLF is one break) and columns from 1 in characters.
/// </summary>
public sealed class LocationTests
{
    public static readonly TheoryData<string, string> Variants = new()
    {
        { "LF", Minimal },
        { "CRLF", Minimal.Replace("\n", "\r\n") },
        { "CR", Minimal.Replace("\n", "\r") },
        { "byte order mark", "\uFEFF" + Minimal },
        { "wide characters before", Minimal.Replace("model: Tiny", "# 模型 🚀 ünïcödé\nmodel: Tiny") },
        { "flow mapping", Minimal.Replace("  - cell: lstm\n    hidden: 8\n", "  - { cell: lstm,   hidden: 8 }\n") },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void UnknownKey_IsReportedAtItsYamlMark(string variant, string spec)
    {
        string text = spec.Replace("hidden", "hiddn");
        DiagnosticInfo diagnostic = Assert.Single(ParseAssert.Parse(text).Diagnostics, d => d.Descriptor.Id == "RNN0005");

        (int yamlLine, int yamlColumn) = YamlMark(text, text.IndexOf("hiddn", System.StringComparison.Ordinal));
        ParseAssert.AssertAt(diagnostic, text, yamlLine - 1, yamlColumn - 1);
        Assert.True(diagnostic.Location!.Span.Length == "hiddn".Length, variant);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void WrongValue_IsReportedAtItsYamlMark(string variant, string spec)
    {
        string text = spec.Replace("hidden: 8", "hidden: 9999");
        DiagnosticInfo diagnostic = Assert.Single(ParseAssert.Parse(text).Diagnostics);

        (int yamlLine, int yamlColumn) = YamlMark(text, text.IndexOf("9999", System.StringComparison.Ordinal));
        ParseAssert.AssertAt(diagnostic, text, yamlLine - 1, yamlColumn - 1);
        Assert.True(diagnostic.Location!.Span.Length == 4, variant);
    }

    [Fact]
    public void LayerLine_IsTheYamlLineOfTheEntry()
    {
        ModelSpec? spec = ParseAssert.Parse(Minimal.Replace("\n", "\r\n")).Spec;

        Assert.Equal(5, spec?.Layers[0].Line);
    }

    /// <summary>YAML's 1-based mark of a character index, counted independently of the parser.</summary>
    private static (int Line, int Column) YamlMark(string text, int index)
    {
        int line = 1, lineStart = 0;
        for (int i = 0; i < index; i++)
        {
            bool crlf = text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n';
            if (text[i] == '\n' || (text[i] == '\r' && !crlf))
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, index - lineStart + 1);
    }
}
