using System;
using System.Linq;
using RnnGen.Generators.Common;
using RnnGen.Generators.Diagnostics;

namespace RnnGen.Generators.Spec;

/// <summary>
/// Reads a spec's <see cref="YamlNode"/> tree into a <see cref="ModelSpec"/>: every key, its
/// type, its range and the rules within one section. Everything wrong is reported, section by
/// section, so one build shows every mistake; the result is null if anything was.
/// </summary>
internal static class SpecReader
{
    /// <param name="modelLocation">Where the value of <c>model</c> stands, when the spec has one.</param>
    public static ModelSpec? Read(YamlNode? root, string path, ReadContext context, out LocationInfo? modelLocation)
    {
        modelLocation = null;
        if (root is null or YamlScalar { IsNull: true })
        {
            context.Diagnostics.Report(DiagnosticDescriptors.MissingKey, context.Locator.At(0), "The spec", SpecKeys.Model,
                "the file is empty: start it with 'model: MyModel', then add input, sequence, layers and output (docs/spec.md shows an example)");
            return null;
        }

        if (root is not YamlMapping mapping)
        {
            context.Diagnostics.Report(DiagnosticDescriptors.WrongType, context.Location(root), "The spec",
                "a mapping of keys such as 'model: MyModel' (model, input, sequence, layers and output are required)", root.Describe());
            return null;
        }

        var keys = new MappingReader(mapping, string.Empty, context.FirstKey(mapping), SpecKeys.Root, context);
        YamlNode? model = keys.Require(SpecKeys.Model, "add 'model: MyModel', the name of the generated class");
        modelLocation = model is null ? null : context.Location(model);
        string? className = ReadName(model, SpecKeys.Model, "a class name such as 'JumpDetector'", "The model name", IdentifierRules.ClassNameProblem, context);
        string? namespaceName = ReadName(
            keys.Get(SpecKeys.Namespace), SpecKeys.Namespace, "a namespace such as 'Samples.Models'", "The namespace", IdentifierRules.NamespaceProblem, context);
        Precision precision = keys.Optional(SpecKeys.Precision, SpecValues.Precision, Precision.Float32);
        bool encoderDecoder = DeclaresEncoderDecoder(keys);
        InputSpec? input;
        System.Collections.Generic.List<LayerSpec>? layers;
        DecoderSpec? decoder = null;
        int? sequence;
        InitKind init;
        if (encoderDecoder)
        {
            foreach (string key in new[] { SpecKeys.Input, SpecKeys.Layers })
            {
                keys.Forbid(key, $"in the mode encoder-decoder each stack has its own {Phrases.Quote(key)}: move it under 'encoder' (and give 'decoder' one too)");
            }

            MappingReader? encoderKeys = ReadStack(keys, SpecKeys.Encoder, SpecKeys.EncoderSection, "the stack that reads the input sequence", context, out input, out layers);
            sequence = keys.Required(SpecKeys.Sequence, SpecBounds.Sequence, "add 'sequence: 100', the number of steps the encoder reads");
            init = keys.Optional(SpecKeys.Init, SpecValues.Init, InitKind.PyTorch);
            MergeKind merge = encoderKeys?.Optional(SpecKeys.Merge, SpecValues.Merge, MergeKind.Concat) ?? MergeKind.Concat;
            MappingReader? decoderKeys = ReadStack(keys, SpecKeys.Decoder, SpecKeys.DecoderSection, "the stack that writes the output sequence", context, out InputSpec? decoderInput, out var decoderLayers);
            bool bridge = decoderKeys?.Optional(SpecKeys.Bridge, fallback: false) ?? false;
            if (decoderInput is not null && decoderLayers is not null)
            {
                decoder = new DecoderSpec(decoderInput, decoderLayers.ToEquatableArray(), bridge, merge);
            }
        }
        else
        {
            input = ReadInput(keys, context);
            sequence = keys.Required(SpecKeys.Sequence, SpecBounds.Sequence, "add 'sequence: 100', the number of steps in a sequence");
            init = keys.Optional(SpecKeys.Init, SpecValues.Init, InitKind.PyTorch);
            layers = LayerReader.ReadAll(keys, context);
        }

        OutputSpec? output = OutputReader.Read(keys, context, sequence);
        TrainingSpec? training = TrainingReader.Read(keys, context);
        UnrollMode unroll = keys.Optional(SpecKeys.Unroll, SpecValues.Unroll, UnrollMode.Auto);
        string? weights = ReadWeights(keys, context);

        if (!encoderDecoder)
        {
            foreach (string key in new[] { SpecKeys.Encoder, SpecKeys.Decoder })
            {
                keys.Forbid(key, $"{Phrases.Quote(key)} applies only to the mode encoder-decoder; remove it or set 'output.mode: encoder-decoder'");
            }
        }

        if (context.Diagnostics.HasErrors || className is null || input is null || sequence is null || layers is null || output is null
            || (encoderDecoder && decoder is null))
        {
            return null;
        }

        return new ModelSpec(
            className, namespaceName, FileName(path), precision, input, sequence.Value, init,
            layers.ToEquatableArray(), output, training, unroll, weights)
        {
            Decoder = decoder,
        };
    }

    /// <summary>
    /// Whether <c>output.mode</c> says encoder-decoder, read ahead of <c>output</c> (which reports any
    /// problem with it), because the mode decides where <c>input</c> and <c>layers</c> are.
    /// </summary>
    private static bool DeclaresEncoderDecoder(MappingReader root) =>
        root.Get(SpecKeys.Output) is YamlMapping output
        && output.Entries.Any(entry => entry.Key is YamlScalar { Value: SpecKeys.Mode }
            && entry.Value is YamlScalar { Value: var mode } && mode == SpecValues.Mode.NameOf(OutputMode.EncoderDecoder));

    /// <summary><c>encoder</c> or <c>decoder</c>: a mapping with the <c>input</c> and <c>layers</c> of one stack.</summary>
    private static MappingReader? ReadStack(
        MappingReader root, string key, SpecSection section, string role, ReadContext context,
        out InputSpec? input, out System.Collections.Generic.List<LayerSpec>? layers)
    {
        input = null;
        layers = null;
        string example = "{ input: 16, layers: [{ cell: gru, hidden: 32 }] }";
        if (root.Require(key, $"add '{key}:' with 'input' and 'layers', {role}") is not { } node)
        {
            return null;
        }

        if (node is not YamlMapping mapping)
        {
            context.Diagnostics.Report(DiagnosticDescriptors.WrongType, context.Location(node),
                Phrases.Quote(key), $"a mapping such as '{example}'", node.Describe());
            return null;
        }

        var keys = new MappingReader(mapping, key, root.KeyLocation(key), section, context);
        input = ReadInput(keys, context);
        layers = LayerReader.ReadAll(keys, context);
        return keys;
    }

    /// <summary><c>model</c> or <c>namespace</c>: text that <paramref name="problemOf"/> accepts as a C# name (else RNN0010).</summary>
    private static string? ReadName(YamlNode? node, string key, string expected, string label, Func<string, string?> problemOf, ReadContext context)
    {
        if (node is null || !context.Values.TryText(node, key, expected, out YamlScalar scalar))
        {
            return null;
        }

        if (problemOf(scalar.Value) is { } problem)
        {
            context.Diagnostics.Report(DiagnosticDescriptors.InvalidIdentifier, context.Location(scalar), label, Phrases.Shown(scalar.Value), problem);
            return null;
        }

        return scalar.Value;
    }

    /// <summary><c>input</c> (or <c>encoder.input</c>, <c>decoder.input</c>): features per step, or token input <c>{ vocab, embedding }</c>.</summary>
    private static InputSpec? ReadInput(MappingReader root, ReadContext context)
    {
        string path = root.PathOf(SpecKeys.Input);
        const string Expected = "a number of features such as 16, or token input such as '{ vocab: 65, embedding: 32 }' (optionally with 'padding: 0')";
        if (root.Require(SpecKeys.Input, $"add 'input: 16' (features per step) or 'input: {{ vocab: 65, embedding: 32 }}' (tokens)") is not { } node)
        {
            return null;
        }

        if (node is not YamlMapping mapping)
        {
            return context.Values.TryInt(node, path, SpecBounds.Features, out int features, expected: Expected)
                ? new InputSpec(features, 0, 0)
                : null;
        }

        var keys = new MappingReader(mapping, path, root.KeyLocation(SpecKeys.Input), SpecKeys.InputSection, context);
        int? vocab = keys.Required(SpecKeys.Vocab, SpecBounds.Vocab, "add 'vocab: 65', the number of distinct tokens");
        int? embedding = keys.Required(SpecKeys.Embedding, SpecBounds.Embedding, "add 'embedding: 32', the width of each token's vector");
        int? padding = keys.Optional(SpecKeys.Padding, SpecBounds.TokenId);
        return vocab is { } v && embedding is { } e ? new InputSpec(0, v, e) { Padding = padding } : null;
    }

    private static string? ReadWeights(MappingReader root, ReadContext context)
    {
        if (root.Get(SpecKeys.Weights) is not { } node
            || !context.Values.TryText(node, SpecKeys.Weights, WeightsFileName.Expected, out YamlScalar scalar))
        {
            return null;
        }

        if (!WeightsFileName.IsValid(scalar.Value))
        {
            context.Diagnostics.Report(DiagnosticDescriptors.WrongType, context.Location(scalar),
                Phrases.Quote(SpecKeys.Weights), WeightsFileName.Expected, scalar.Describe());
            return null;
        }

        return scalar.Value;
    }

    /// <summary>The file name without its folders, whichever separator the path uses.</summary>
    private static string FileName(string path) => path.Substring(Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\')) + 1);
}
