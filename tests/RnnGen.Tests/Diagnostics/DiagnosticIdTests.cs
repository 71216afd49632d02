using System;
using Microsoft.CodeAnalysis;
using RnnGen.Generators.Diagnostics;
using RnnGen.Generators.Spec;
using Xunit;
using static RnnGen.Tests.Diagnostics.SpecTexts;

namespace RnnGen.Tests.Diagnostics;

/// <summary>
/// One test per diagnostic the parser reports: its id, where it points (0-based line and column,
/// as Roslyn reports them) and that the message names the fix. RNN0014 and RNN0015 come from the
/// pipeline, not from one spec, and are tested with it.
/// </summary>
public sealed class DiagnosticIdTests
{
    [Fact]
    public void RNN0001_InvalidYaml_PointsAtTheOpeningQuote() =>
        ParseAssert.Single(Replace("model: Tiny", "model: \"Tiny"), "RNN0001", 0, 7, "not valid YAML", "close the quoted string");

    [Fact]
    public void RNN0002_TooDeep_PointsAtTheCollectionPastTheLimit() =>
        ParseAssert.Single(Replace("input: 4", "input: [[[[[[[[1]]]]]]]]"), "RNN0002", 1, 14, "limit of 8", "flatten this value");

    [Fact]
    public void RNN0003_Anchor_PointsAtTheAnchoredValue() =>
        ParseAssert.Single(Replace("input: 4", "input: &width 4"), "RNN0003", 1, 7, "anchor '&width'", "remove '&width'");

    [Fact]
    public void RNN0004_DuplicateKey_PointsAtTheSecondAndNamesTheFirstLine() =>
        ParseAssert.Single(Replace("    hidden: 8\n", "    hidden: 8\n    hidden: 16\n"), "RNN0004", 6, 4, "'hidden' appears twice in 'layers[0]'", "remove one of them", "line 6");

    [Fact]
    public void RNN0005_UnknownKey_SuggestsTheClosestKey() =>
        ParseAssert.Single(Replace("hidden: 8", "hiden: 8"), "RNN0005", 5, 4, "Unknown key 'hiden' in 'layers[0]'", "did you mean 'hidden'?");

    [Fact]
    public void RNN0006_MissingKey_PointsAtTheStartOfItsMapping() =>
        ParseAssert.Single(Replace("    hidden: 8\n", string.Empty), "RNN0006", 4, 4, "'layers[0]' needs the key 'hidden'", "add 'hidden: 32'");

    [Fact]
    public void RNN0007_WrongType_PointsAtTheValue() =>
        ParseAssert.Single(Replace("hidden: 8", "hidden: abc"), "RNN0007", 5, 12, "'layers[0].hidden' must be an integer, not 'abc'");

    [Fact]
    public void RNN0008_UnknownValue_ListsTheValuesAndSuggestsOne() =>
        ParseAssert.Single(Replace("cell: lstm", "cell: lstmm"), "RNN0008", 4, 10, "Unknown cell 'lstmm'; expected rnn, lstm or gru", "did you mean 'lstm'?");

    [Fact]
    public void RNN0009_OutOfRange_NamesTheAllowedRange() =>
        ParseAssert.Single(Replace("hidden: 8", "hidden: 0"), "RNN0009", 5, 12, "'layers[0].hidden' is 0", "between 1 and 4096");

    [Fact]
    public void RNN0010_InvalidIdentifier_SuggestsAName() =>
        ParseAssert.Single(Replace("model: Tiny", "model: class"), "RNN0010", 0, 7, "'class' cannot be used as a C# name", "C# keyword", "use 'Class' instead");

    [Fact]
    public void RNN0011_OptionOfAnotherCell_PointsAtTheOption() =>
        ParseAssert.Single(
            Replace("  - cell: lstm\n    hidden: 8\n", "  - cell: gru\n    hidden: 8\n    peepholes: true\n"),
            "RNN0011", 6, 4, "'layers[0].peepholes' applies only to lstm layers", "remove it or change the cell");

    [Fact]
    public void RNN0012_IgnoredFeature_IsInfoAndTheSpecIsStillBuilt()
    {
        string text = Replace("input: 4\n", "input: { vocab: 6, embedding: 3 }\n")
            .Replace("  mode: many-to-one\n  head: sigmoid\n  size: 1\n", "  mode: one-to-many\n  head: softmax\n  size: 6\n  length: 4\n  start: 1\n", StringComparison.Ordinal);
        DiagnosticInfo diagnostic = ParseAssert.Single(text, "RNN0012", 11, 2, "'output.start' is not supported yet and is ignored");

        Assert.Equal(DiagnosticSeverity.Info, diagnostic.Descriptor.DefaultSeverity);
        Assert.Equal(1, ParseAssert.Parse(text).Spec?.Output.StartToken);
    }

    [Fact]
    public void RNN0017_FullUnrollOverTheJitBudget_IsAWarningAndTheClassIsStillGenerated()
    {
        // lstm 64: 256 gate rows / 4 lanes of a Vector128 x 64 inputs x 24 bytes of IL per multiply-add
        string text = Replace("    hidden: 8\n", "    hidden: 64\n") + "unroll: full\n";
        DiagnosticInfo diagnostic = ParseAssert.Single(text, "RNN0017", 10, 8, "'unroll: full' would put about 98,304 bytes of IL in one method", "over the 60,000", "remove the key or use unroll: auto");

        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Descriptor.DefaultSeverity);
        Assert.Equal(UnrollMode.Full, ParseAssert.Parse(text).Spec?.Unroll);
    }

    [Fact]
    public void Unroll_full_within_the_budget_has_no_diagnostic()
    {
        ParseResult result = ParseAssert.Parse(Minimal + "unroll: full\n");
        Assert.Empty(result.Diagnostics);
        Assert.Equal(UnrollMode.Full, result.Spec?.Unroll);
    }

    [Fact]
    public void Unroll_none_is_honored_without_a_diagnostic()
    {
        ParseResult result = ParseAssert.Parse(Minimal + "unroll: none\n");
        Assert.Empty(result.Diagnostics);
        Assert.NotNull(result.Spec);
    }

    [Fact]
    public void RNN0013_UnsupportedOption_IsAnErrorThatNamesTheFix()
    {
        DiagnosticInfo diagnostic = ParseAssert.Single(
            EncoderDecoderSpecTexts.Minimal + "weights: dates.safetensors\n",
            "RNN0013", 19, 9, "Compiled-in weights ('weights') in the mode encoder-decoder is not supported yet", "no class is generated", "load the file at run time with LoadSafetensors");

        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Descriptor.DefaultSeverity);
    }

    [Fact]
    public void RNN0016_SettingWithoutEffect_IsAWarning()
    {
        string text = Minimal + "training:\n  loss: binary_cross_entropy\n  optimizer: adam\n  dropout: 0.5\n";
        DiagnosticInfo diagnostic = ParseAssert.Single(text, "RNN0016", 13, 11, "'training.dropout' has no effect in a model with one layer", "remove it or add a layer");

        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Descriptor.DefaultSeverity);
        Assert.NotNull(ParseAssert.Parse(text).Spec);
    }

    [Fact]
    public void RNN0099_InternalError_IsReportedInsteadOfThrown()
    {
        // A null text is a caller's bug; it stands in for any bug of the parser's own.
        ParseResult result = SpecParser.Parse(FilePath, null!, default);

        DiagnosticInfo diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("RNN0099", diagnostic.Descriptor.Id);
        Assert.Equal(default, diagnostic.Location!.LineSpan.Start);
        Assert.Contains("please report it", ParseAssert.Message(diagnostic));
        Assert.Null(result.Spec);
    }
}
