using System;
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
        InputSpec? input = ReadInput(keys, context);
        int? sequence = keys.Required(SpecKeys.Sequence, SpecBounds.Sequence, "add 'sequence: 100', the number of steps in a sequence");
        InitKind init = keys.Optional(SpecKeys.Init, SpecValues.Init, InitKind.PyTorch);
        var layers = LayerReader.ReadAll(keys, context);
        OutputSpec? output = OutputReader.Read(keys, context, sequence);
        TrainingSpec? training = TrainingReader.Read(keys, context);
        UnrollMode unroll = keys.Optional(SpecKeys.Unroll, SpecValues.Unroll, UnrollMode.Auto);
        string? weights = ReadWeights(keys, context);

        if (context.Diagnostics.HasErrors || className is null || input is null || sequence is null || layers is null || output is null)
        {
            return null;
        }

        return new ModelSpec(
            className, namespaceName, FileName(path), precision, input, sequence.Value, init,
            layers.ToEquatableArray(), output, training, unroll, weights);
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

    /// <summary><c>input</c>: features per step, or token input <c>{ vocab, embedding }</c>.</summary>
    private static InputSpec? ReadInput(MappingReader root, ReadContext context)
    {
        const string Expected = "a number of features such as 16, or token input such as '{ vocab: 65, embedding: 32 }' (optionally with 'padding: 0')";
        if (root.Require(SpecKeys.Input, $"add 'input: 16' (features per step) or 'input: {{ vocab: 65, embedding: 32 }}' (tokens)") is not { } node)
        {
            return null;
        }

        if (node is not YamlMapping mapping)
        {
            return context.Values.TryInt(node, SpecKeys.Input, SpecBounds.Features, out int features, expected: Expected)
                ? new InputSpec(features, 0, 0)
                : null;
        }

        var keys = new MappingReader(mapping, SpecKeys.Input, root.KeyLocation(SpecKeys.Input), SpecKeys.InputSection, context);
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
