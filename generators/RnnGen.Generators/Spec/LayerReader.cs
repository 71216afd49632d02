using System.Collections.Generic;
using System.Globalization;
using RnnGen.Generators.Diagnostics;

namespace RnnGen.Generators.Spec;

/// <summary>Reads <c>layers</c>: a sequence of 1 to 16 mappings, each with its cell's options.</summary>
internal static class LayerReader
{
    private const string Example = "{ cell: lstm, hidden: 32 }";

    /// <summary>The layers, or null when the key is missing or is not a sequence (reported).</summary>
    /// <param name="parent">The mapping that holds <c>layers</c>: the root, or <c>encoder</c> and <c>decoder</c>.</param>
    public static List<LayerSpec>? ReadAll(MappingReader parent, ReadContext context)
    {
        string path = parent.PathOf(SpecKeys.Layers);
        if (parent.Require(SpecKeys.Layers, $"add 'layers:' with at least one entry, such as '- {Example}'") is not { } node)
        {
            return null;
        }

        if (node is not YamlSequence sequence)
        {
            context.Diagnostics.Report(DiagnosticDescriptors.WrongType, context.Location(node),
                Phrases.Quote(path), $"a sequence of layers such as '- {Example}'", node.Describe());
            return null;
        }

        int count = sequence.Items.Count;
        if (!SpecBounds.Layers.Contains(count))
        {
            YamlNode at = count == 0 ? sequence : sequence.Items[(int)SpecBounds.Layers.Max];
            context.Diagnostics.Report(DiagnosticDescriptors.OutOfRange, context.Location(at),
                path == SpecKeys.Layers ? "The number of layers" : $"The number of layers in {Phrases.Quote(path)}", count.ToString(CultureInfo.InvariantCulture), SpecBounds.Layers.Describe());
        }

        var layers = new List<LayerSpec>();
        for (int i = 0; i < count; i++)
        {
            if (Read(sequence.Items[i], $"{path}[{i}]", context) is { } layer)
            {
                layers.Add(layer);
            }
        }

        return layers;
    }

    private static LayerSpec? Read(YamlNode item, string path, ReadContext context)
    {
        if (item is not YamlMapping mapping)
        {
            context.Diagnostics.Report(DiagnosticDescriptors.WrongType, context.Location(item),
                Phrases.Quote(path), $"a mapping such as '{Example}'", item.Describe());
            return null;
        }

        context.Map.Add(path, context.FirstKey(mapping), context.Location(mapping));
        var keys = new MappingReader(mapping, path, context.FirstKey(mapping), SpecKeys.Layer, context);

        CellKind? cell = keys.Required(SpecKeys.Cell, SpecValues.Cell, "add 'cell: lstm' (rnn, lstm or gru)");
        int? hidden = keys.Required(SpecKeys.Hidden, SpecBounds.Hidden, "add 'hidden: 32', the width of the layer's state");
        Direction direction = keys.Optional(SpecKeys.Direction, SpecValues.Direction, Direction.Forward);
        bool bias = keys.Optional(SpecKeys.Bias, fallback: true);
        RnnActivation activation = keys.Optional(SpecKeys.Activation, SpecValues.Activation, RnnActivation.Tanh);
        int projection = ReadProjection(keys, hidden) ?? 0;
        bool peepholes = keys.Optional(SpecKeys.Peepholes, fallback: false);
        double? cellClip = keys.Optional(SpecKeys.CellClip, NumberRange.Positive);
        double? forgetBias = keys.Optional(SpecKeys.ForgetBias, NumberRange.Any);
        GruReset reset = keys.Optional(SpecKeys.Reset, SpecValues.Reset, GruReset.After);

        if (cell is { } kind)
        {
            OnlyFor(keys, kind, CellKind.Rnn, SpecKeys.Activation);
            OnlyFor(keys, kind, CellKind.Lstm, SpecKeys.Projection, SpecKeys.Peepholes, SpecKeys.CellClip, SpecKeys.ForgetBias);
            OnlyFor(keys, kind, CellKind.Gru, SpecKeys.Reset);
        }

        if (!bias)
        {
            // DESIGN.md: forget_bias sets the forget slice of bias_ih, which bias: false removes.
            keys.Forbid(SpecKeys.ForgetBias,
                $"{Phrases.Quote(keys.PathOf(SpecKeys.ForgetBias))} sets the forget gate's bias, but this layer has 'bias: false'; remove forget_bias or the 'bias: false'");
        }

        return cell is { } c && hidden is { } h
            ? new LayerSpec(c, h, direction, bias, activation, projection, peepholes, cellClip, forgetBias, reset, (int)mapping.Start.Line)
            : null;
    }

    /// <summary>PyTorch's <c>proj_size</c> must be below <c>hidden_size</c>.</summary>
    private static int? ReadProjection(MappingReader keys, int? hidden)
    {
        int limit = hidden ?? (int)SpecBounds.Hidden.Max;
        string rangeText = hidden is { } h
            ? $"it must be at least 1 and below hidden ({h.ToString(CultureInfo.InvariantCulture)})"
            : "it must be at least 1 and below hidden";
        return keys.Optional(SpecKeys.Projection, new IntRange(1, limit - 1), rangeText);
    }

    private static void OnlyFor(MappingReader keys, CellKind cell, CellKind owner, params string[] options)
    {
        if (cell == owner)
        {
            return;
        }

        string ownerName = SpecValues.Cell.NameOf(owner);
        foreach (string option in options)
        {
            keys.Forbid(option,
                $"{Phrases.Quote(keys.PathOf(option))} applies only to {ownerName} layers, and this layer is {Article(cell)}; remove it or change the cell to {ownerName}");
        }
    }

    private static string Article(CellKind cell) => (cell == CellKind.Gru ? "a " : "an ") + SpecValues.Cell.NameOf(cell);
}
