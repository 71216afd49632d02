using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Generators.Diagnostics;
using RnnGen.Generators.Spec;
using Xunit;

namespace RnnGen.Tests.Diagnostics;

/// <summary>Parses specs and checks their diagnostics: id, 0-based position, and words of the message.</summary>
internal static class ParseAssert
{
    public static ParseResult Parse(string text) => SpecParser.Parse(SpecTexts.FilePath, text, CancellationToken.None);

    /// <summary>Parses <paramref name="text"/> and returns its one diagnostic with <paramref name="id"/>, checking where it points.</summary>
    public static DiagnosticInfo Single(string text, string id, int line, int column, params string[] messageParts)
    {
        ParseResult result = Parse(text);
        DiagnosticInfo diagnostic = Assert.Single(result.Diagnostics, d => d.Descriptor.Id == id);
        AssertAt(diagnostic, text, line, column);
        string message = Message(diagnostic);
        foreach (string part in messageParts)
        {
            Assert.Contains(part, message);
        }

        if (diagnostic.Descriptor.DefaultSeverity == DiagnosticSeverity.Error)
        {
            Assert.Null(result.Spec);
        }

        return diagnostic;
    }

    public static string Message(DiagnosticInfo diagnostic) =>
        diagnostic.ToDiagnostic().GetMessage(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The location starts at (line, column), 0-based, and its span, line span and text agree.</summary>
    public static void AssertAt(DiagnosticInfo diagnostic, string text, int line, int column)
    {
        LocationInfo location = Assert.IsType<LocationInfo>(diagnostic.Location);
        Assert.Equal(SpecTexts.FilePath, location.FilePath);
        Assert.Equal(new LinePosition(line, column), location.LineSpan.Start);
        AssertConsistent(location, text);
    }

    /// <summary>The span lies in the text and Roslyn's own line table maps it to the reported line span.</summary>
    public static void AssertConsistent(LocationInfo location, string text)
    {
        Assert.InRange(location.Span.End, 0, text.Length);
        Assert.Equal(SourceText.From(text).Lines.GetLinePositionSpan(location.Span), location.LineSpan);
    }

    public static string Ids(ParseResult result) => string.Join(", ", result.Diagnostics.Select(d => d.Descriptor.Id + " " + Message(d)));
}
