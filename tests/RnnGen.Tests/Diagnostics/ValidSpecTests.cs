using System;
using System.IO;
using System.Linq;
using System.Threading;
using RnnGen.Generators.Common;
using RnnGen.Generators.Spec;
using Xunit;
using static RnnGen.Tests.Diagnostics.SpecTexts;

namespace RnnGen.Tests.Diagnostics;

/// <summary>Valid specs parse to exactly the records they describe, with DESIGN.md's defaults.</summary>
public sealed class ValidSpecTests
{
    private static readonly ModelSpec MinimalSpec = new(
        "Tiny", null, "tiny.rnn.yaml", Precision.Float32, new InputSpec(4, 0, 0), 5, InitKind.PyTorch,
        new[] { new LayerSpec(CellKind.Lstm, 8, Direction.Forward, true, RnnActivation.Tanh, 0, false, null, null, GruReset.After, Line: 5) }.ToEquatableArray(),
        new OutputSpec(OutputMode.ManyToOne, HeadKind.Sigmoid, 1, 1), null, UnrollMode.Auto, null);

    [Fact]
    public void Minimal_TakesEveryDefault()
    {
        ParseResult result = ParseAssert.Parse(Minimal);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(MinimalSpec, result.Spec);
        Assert.Equal(new Microsoft.CodeAnalysis.Text.LinePosition(0, 7), result.ModelLocation!.LineSpan.Start);
    }

    [Fact]
    public void Full_ReadsEveryKey()
    {
        ParseResult result = ParseAssert.Parse(Full);

        Assert.Empty(result.Diagnostics);
        var expected = new ModelSpec(
            "FullModel", "Samples.Models", "tiny.rnn.yaml", Precision.Float64, new InputSpec(16, 0, 0), 30, InitKind.PyTorch,
            new[]
            {
                new LayerSpec(CellKind.Lstm, 32, Direction.Bidirectional, true, RnnActivation.Tanh, 0, false, null, null, GruReset.After, Line: 9),
                new LayerSpec(CellKind.Gru, 24, Direction.Forward, true, RnnActivation.Tanh, 0, false, null, null, GruReset.After, Line: 14),
                new LayerSpec(CellKind.Rnn, 12, Direction.Forward, true, RnnActivation.Tanh, 0, false, null, null, GruReset.After, Line: 17),
            }.ToEquatableArray(),
            new OutputSpec(OutputMode.ManyToMany, HeadKind.Softmax, 5, 30), null, UnrollMode.Auto, null);
        Assert.Equal(expected, result.Spec);
    }

    [Fact]
    public void Training_TakesTorchDefaults()
    {
        ParseResult result = ParseAssert.Parse(Minimal + "training:\n  loss: binary_cross_entropy\n  optimizer: adam\n");

        Assert.Empty(result.Diagnostics);
        Assert.Equal(
            new TrainingSpec(LossKind.BinaryCrossEntropy, OptimizerKind.Adam, 0.001, null, 0, 0, 0.9, false, 0.9, 0.999, 1e-8, 0, Line: 11),
            result.Spec?.Training);
    }

    [Fact]
    public void Training_ReadsEverySetting()
    {
        ParseResult result = ParseAssert.Parse(Full.Replace("unroll: auto\n", """
            training:
              loss: cross_entropy
              optimizer: momentum
              learning_rate: 0.05
              clip_norm: 5.0
              dropout: 0.25
              seed: -7
              momentum: 0.5
              nesterov: true
              weight_decay: 1e-4

            """));

        Assert.Empty(result.Diagnostics);
        Assert.Equal(
            new TrainingSpec(LossKind.CrossEntropy, OptimizerKind.Momentum, 0.05, 5.0, 0.25, -7, 0.5, true, 0.9, 0.999, 1e-8, 1e-4, Line: 22),
            result.Spec?.Training);
    }

    [Fact]
    public void UnsupportedOptions_AreReadInFull_ThenRefused()
    {
        const string Text = """
            model: Everything
            input: { vocab: 65, embedding: 16 }
            sequence: 10
            init: orthogonal
            layers:
              - { cell: lstm, hidden: 8, projection: 4, peepholes: true, cell_clip: 3.5, forget_bias: 1 }
              - { cell: gru, hidden: 6, reset: before, bias: false }
              - { cell: rnn, hidden: 5, activation: relu }
            output: { mode: one-to-many, head: softmax, size: 65, length: 20, start: 1, stop: 2 }
            weights: trained/everything.safetensors
            unroll: none

            """;

        // The reading stage alone, to see the values the support policy then refuses.
        var diagnostics = new SpecDiagnostics();
        var context = new ReadContext(new SpecLocator(FilePath, Text), diagnostics);
        YamlNode? root = BoundedYamlReader.Read(Text, context.Locator, diagnostics, CancellationToken.None);
        ModelSpec? read = SpecReader.Read(root, FilePath, context, out _);

        Assert.Empty(diagnostics.ToEquatableArray());
        var expected = new ModelSpec(
            "Everything", null, "tiny.rnn.yaml", Precision.Float32, new InputSpec(0, 65, 16), 10, InitKind.Orthogonal,
            new[]
            {
                new LayerSpec(CellKind.Lstm, 8, Direction.Forward, true, RnnActivation.Tanh, 4, true, 3.5, 1.0, GruReset.After, Line: 6),
                new LayerSpec(CellKind.Gru, 6, Direction.Forward, false, RnnActivation.Tanh, 0, false, null, null, GruReset.Before, Line: 7),
                new LayerSpec(CellKind.Rnn, 5, Direction.Forward, true, RnnActivation.Relu, 0, false, null, null, GruReset.After, Line: 8),
            }.ToEquatableArray(),
            new OutputSpec(OutputMode.OneToMany, HeadKind.Softmax, 65, 20) { StartToken = 1, StopToken = 2 },
            null, UnrollMode.None, "trained/everything.safetensors");
        Assert.Equal(expected, read);

        // Every option is generated now; one-to-many's start is parsed and ignored (an info). The weights file
        // is checked later in the pipeline, against its sidecar (WeightsDiagnosticsTests).
        ParseResult result = ParseAssert.Parse(Text);
        Assert.NotNull(result.Spec);
        Assert.Equal(new[] { "RNN0012" }, result.Diagnostics.Select(d => d.Descriptor.Id).ToArray());
        Assert.Equal((9, 9), (result.WeightsLocation!.LineSpan.Start.Line, result.WeightsLocation.LineSpan.Start.Character));
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void OtherLineEnds_ReadTheSame(string lineEnd)
    {
        ParseResult result = ParseAssert.Parse(Minimal.Replace("\n", lineEnd));

        Assert.Empty(result.Diagnostics);
        Assert.Equal(MinimalSpec, result.Spec);
    }

    [Fact]
    public void ByteOrderMark_IsNotPartOfTheFirstKey()
    {
        ParseResult result = ParseAssert.Parse("\uFEFF" + Minimal);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(MinimalSpec, result.Spec);
    }

    [Theory]
    [InlineData("Модель")]
    [InlineData("Modèle_2")]
    [InlineData("_Tiny")]
    public void UnicodeIdentifiers_AreValidNames(string name)
    {
        ParseResult result = ParseAssert.Parse(Replace("model: Tiny", "model: " + name));

        Assert.Empty(result.Diagnostics);
        Assert.Equal(name, result.Spec?.ClassName);
    }

    [Fact]
    public void QuotedStringsAndCommentsAreFine()
    {
        ParseResult result = ParseAssert.Parse(Replace("model: Tiny", "model: \"Tiny\"   # the class").Replace("cell: lstm", "cell: 'lstm'"));

        Assert.Empty(result.Diagnostics);
        Assert.Equal(MinimalSpec, result.Spec);
    }

    [Fact]
    public void EverySpecOfTheRepository_Parses()
    {
        string[] files = Directory.GetFiles(System.IO.Path.Combine(AppContext.BaseDirectory, "Specs"), "*.rnn.yaml");

        Assert.NotEmpty(files);
        foreach (string file in files)
        {
            ParseResult result = SpecParser.Parse(file, File.ReadAllText(file), CancellationToken.None);
            Assert.True(result.Spec is not null, file + ": " + ParseAssert.Ids(result));
        }
    }
}
