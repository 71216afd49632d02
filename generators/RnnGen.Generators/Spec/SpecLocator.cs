using System;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Generators.Diagnostics;
using YamlDotNet.Core;

namespace RnnGen.Generators.Spec;

/// <summary>
/// Turns positions in a spec into <see cref="LocationInfo"/>. Line and column come from Roslyn's own
/// line table over the text, from YamlDotNet's character index, so they match what the IDE shows
/// (YAML marks are 1-based, Roslyn positions 0-based).
/// </summary>
internal sealed class SpecLocator
{
    private const char ByteOrderMark = '\uFEFF';

    private readonly string _path;
    private readonly int _length;
    private readonly SourceText _lines;

    public SpecLocator(string path, string text)
    {
        _path = path;
        _length = Math.Min(text.Length, SpecBounds.MaxTextLength + 1);

        // Only the part of an oversized text that is ever pointed at gets a line table.
        _lines = SourceText.From(_length == text.Length ? text : text.Substring(0, _length));

        // YamlDotNet reads a byte order mark as part of the first key, so it is given the text
        // without it, and its indexes are shifted back here.
        BomLength = text.Length > 0 && text[0] == ByteOrderMark ? 1 : 0;
    }

    /// <summary>1 when the text starts with a byte order mark, which the YAML reader must not see.</summary>
    public int BomLength { get; }

    public LocationInfo Node(YamlNode node) => Span(node.Start, node.End);

    public LocationInfo Span(Mark start, Mark end)
    {
        int from = FromYaml(start);
        return Between(from, Math.Max(from, FromYaml(end)));
    }

    /// <summary>An empty span at <paramref name="index"/>, a character index into the whole text.</summary>
    public LocationInfo At(int index) => Between(index, index);

    /// <summary>From <paramref name="from"/> up to (excluding) <paramref name="to"/>, character indexes into the whole text.</summary>
    public LocationInfo Between(int from, int to)
    {
        int start = Clamp(from);
        int end = Math.Max(start, Clamp(to));
        var span = TextSpan.FromBounds(start, end);
        return new LocationInfo(_path, span, _lines.Lines.GetLinePositionSpan(span));
    }

    private int FromYaml(Mark mark) => (int)Math.Min(mark.Index + BomLength, _length);

    private int Clamp(int index) => index < 0 ? 0 : Math.Min(index, _length);
}
