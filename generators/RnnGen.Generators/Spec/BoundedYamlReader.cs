using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using Microsoft.CodeAnalysis;
using RnnGen.Generators.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace RnnGen.Generators.Spec;

/// <summary>
/// Reads a spec's YAML event by event into a <see cref="YamlNode"/> tree, within
/// <see cref="SpecBounds"/>: text length, nesting depth, node count and one document. Anchors,
/// aliases and tags are refused, never expanded, so no input can grow or loop. Reading stops at the
/// first problem, which is reported; a null result without errors means an empty spec.
/// </summary>
internal sealed class BoundedYamlReader
{
    private const string CoreTagPrefix = "tag:yaml.org,2002:";

    private readonly IParser _parser;
    private readonly SpecLocator _locator;
    private readonly SpecDiagnostics _diagnostics;
    private readonly CancellationToken _cancellationToken;
    private int _nodes;
    private Mark _lastEnd = Mark.Empty;

    private BoundedYamlReader(string yaml, SpecLocator locator, SpecDiagnostics diagnostics, CancellationToken cancellationToken)
    {
        _parser = new Parser(new StringReader(yaml));
        _locator = locator;
        _diagnostics = diagnostics;
        _cancellationToken = cancellationToken;
    }

    public static YamlNode? Read(string text, SpecLocator locator, SpecDiagnostics diagnostics, CancellationToken cancellationToken)
    {
        if (text.Length > SpecBounds.MaxTextLength)
        {
            diagnostics.Report(DiagnosticDescriptors.SpecTooLarge, locator.At(SpecBounds.MaxTextLength), string.Format(
                CultureInfo.InvariantCulture,
                "The spec is {0:N0} characters long, more than the limit of {1:N0} (the limit is reached here); a spec is a few dozen lines, so check that this is the right file",
                text.Length,
                SpecBounds.MaxTextLength));
            return null;
        }

        int unprintable = FirstUnprintable(text, locator.BomLength);
        if (unprintable >= 0)
        {
            diagnostics.Report(DiagnosticDescriptors.InvalidYaml, locator.Between(unprintable, unprintable + 1), string.Format(
                CultureInfo.InvariantCulture,
                "the character U+{0:X4} is not allowed in YAML; remove it, as a spec is plain text",
                (int)text[unprintable]));
            return null;
        }

        string yaml = text.Substring(locator.BomLength);
        var reader = new BoundedYamlReader(yaml, locator, diagnostics, cancellationToken);
        try
        {
            return reader.ReadStream();
        }
        catch (YamlException exception)
        {
            YamlSyntaxError.Report(exception, yaml, locator, diagnostics);
            return null;
        }
    }

    private YamlNode? ReadStream()
    {
        Next(); // StreamStart
        if (Next() is StreamEnd)
        {
            return null; // nothing but comments and blank lines
        }

        YamlNode? root = ReadNode(Next(), depth: 1);
        if (root is null)
        {
            return null;
        }

        Next(); // DocumentEnd
        if (Next() is DocumentStart second)
        {
            Report(DiagnosticDescriptors.SpecTooLarge, second,
                "The spec holds a second YAML document here; a spec file describes one model, so remove the document marker ('---' or '...') and what follows, or move it to a spec file of its own");
            return null;
        }

        return root;
    }

    private YamlNode? ReadNode(ParsingEvent parsingEvent, int depth)
    {
        if (++_nodes > SpecBounds.MaxNodes)
        {
            return Fail(DiagnosticDescriptors.SpecTooLarge, parsingEvent, string.Format(
                CultureInfo.InvariantCulture,
                "The spec holds more than {0:N0} keys and values (the limit is passed here); a spec needs a few dozen, so check that this is the right file",
                SpecBounds.MaxNodes));
        }

        switch (parsingEvent)
        {
            case AnchorAlias alias:
                return Fail(DiagnosticDescriptors.AliasNotAllowed, alias, $"The alias '*{alias.Value}'", "write the value it refers to out in full here");
            case NodeEvent { Anchor.IsEmpty: false } anchored:
                return Fail(DiagnosticDescriptors.AliasNotAllowed, anchored, $"The anchor '&{anchored.Anchor}'", $"remove '&{anchored.Anchor}' and write every value out in full");
            case NodeEvent { Tag.IsEmpty: false } tagged:
                string tag = tagged.Tag.Value.StartsWith(CoreTagPrefix, StringComparison.Ordinal)
                    ? "!!" + tagged.Tag.Value.Substring(CoreTagPrefix.Length)
                    : tagged.Tag.Value;
                return Fail(DiagnosticDescriptors.AliasNotAllowed, tagged, $"The tag '{tag}'", "remove it, as every key of a spec already has a type");
            case Scalar scalar:
                return new YamlScalar(scalar.Value, scalar.Style, scalar.Start, scalar.End);
            case SequenceStart sequence:
                return depth > SpecBounds.MaxDepth ? TooDeep(sequence, depth) : ReadSequence(sequence, depth);
            case MappingStart mapping:
                return depth > SpecBounds.MaxDepth ? TooDeep(mapping, depth) : ReadMapping(mapping, depth);
            default:
                // The parser yields only the events above where a node is expected.
                throw new InvalidOperationException($"Unexpected {parsingEvent.GetType().Name} where a value was expected.");
        }
    }

    private YamlNode? ReadSequence(SequenceStart start, int depth)
    {
        var items = new List<YamlNode>();
        ParsingEvent next;
        while ((next = Next()) is not SequenceEnd)
        {
            YamlNode? item = ReadNode(next, depth + 1);
            if (item is null)
            {
                return null;
            }

            items.Add(item);
        }

        return new YamlSequence(items, start.Start, EndOf(start.Style == SequenceStyle.Flow, next, items.Count > 0 ? items[items.Count - 1] : null, start));
    }

    private YamlNode? ReadMapping(MappingStart start, int depth)
    {
        var entries = new List<YamlEntry>();
        ParsingEvent next;
        while ((next = Next()) is not MappingEnd)
        {
            YamlNode? key = ReadNode(next, depth + 1);
            if (key is null)
            {
                return null;
            }

            ParsingEvent afterKey = Next();
            if (afterKey is MappingEnd)
            {
                // YamlDotNet drops the value of an empty key that opens a block sequence entry
                // ("- : lstm"), which leaves this key without one.
                _diagnostics.Report(DiagnosticDescriptors.InvalidYaml, _locator.Span(key.Start, key.End),
                    "this key has no value that the YAML reader could read (an empty key, as in '- : lstm', loses its value); write the key before the ':', as in '- cell: lstm'");
                return null;
            }

            YamlNode? value = ReadNode(afterKey, depth + 1);
            if (value is null)
            {
                return null;
            }

            entries.Add(new YamlEntry(key, value));
        }

        return new YamlMapping(entries, start.Start, EndOf(start.Style == MappingStyle.Flow, next, entries.Count > 0 ? entries[entries.Count - 1].Value : null, start));
    }

    /// <summary>
    /// A flow collection ends at its closing bracket; a block one at its last value (its end event
    /// sits at the start of the next line, which would stretch the span over a line it does not own).
    /// </summary>
    private static Mark EndOf(bool flow, ParsingEvent endEvent, YamlNode? last, ParsingEvent startEvent) =>
        flow ? endEvent.End : last?.End ?? startEvent.End;

    private YamlNode? TooDeep(ParsingEvent collection, int depth) => Fail(DiagnosticDescriptors.SpecTooLarge, collection, string.Format(
        CultureInfo.InvariantCulture,
        "The spec nests collections {0} levels deep here, more than the limit of {1}; a spec needs three (layers, a layer, its keys), so flatten this value",
        depth,
        SpecBounds.MaxDepth));

    private ParsingEvent Next()
    {
        _cancellationToken.ThrowIfCancellationRequested();
        bool moved;
        try
        {
            moved = _parser.MoveNext();
        }
        catch (Exception exception) when (exception is not YamlException and not OperationCanceledException)
        {
            // YamlDotNet throws InvalidOperationException on some malformed input (an unclosed
            // '[' before a new line, for one): that is bad YAML, located after the last good event.
            throw new YamlException(_lastEnd, _lastEnd, "the YAML reader stopped after this point (" + exception.Message.TrimEnd('.') + ")", exception);
        }

        if (!moved || _parser.Current is not { } current)
        {
            // YamlDotNet ends every stream with StreamEnd, so reading past it is a bug of ours.
            throw new InvalidDataException("The YAML stream ended without a StreamEnd event.");
        }

        _lastEnd = current.End;
        return current;
    }

    /// <summary>
    /// The index of the first character outside YAML's printable set, or -1. YamlDotNet takes a NUL
    /// for the end of the text and would silently ignore the rest.
    /// </summary>
    private static int FirstUnprintable(string text, int from)
    {
        for (int i = from; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (!(c is '\t' or '\n' or '\r' or '\u0085' || (c >= ' ' && c <= '~') || (c >= '\u00A0' && c <= '\uFFFD' && !char.IsSurrogate(c))))
            {
                return i;
            }
        }

        return -1;
    }

    private YamlNode? Fail(DiagnosticDescriptor descriptor, ParsingEvent at, params string[] messageArgs)
    {
        Report(descriptor, at, messageArgs);
        return null;
    }

    private void Report(DiagnosticDescriptor descriptor, ParsingEvent at, params string[] messageArgs) =>
        _diagnostics.Report(descriptor, _locator.Span(at.Start, at.End), messageArgs);
}
