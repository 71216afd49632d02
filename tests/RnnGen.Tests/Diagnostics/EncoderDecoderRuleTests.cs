using RnnGen.Generators.Spec;
using Xunit;
using static RnnGen.Tests.Diagnostics.EncoderDecoderSpecTexts;

namespace RnnGen.Tests.Diagnostics;

/// <summary>
/// Every way to get an encoder-decoder spec wrong that docs/encoder-decoder.md lists, one case each: which
/// diagnostic, where (0-based line and column), and the fix its message names.
/// </summary>
public sealed class EncoderDecoderRuleTests
{
    private const string Training = "training:\n  loss: cross_entropy\n  optimizer: adam\n";

    public static readonly TheoryData<string, string, string, int, int, string> Cases = new()
    {
        // Where the keys go.
        { "root input", "input: 3\n" + Minimal, "RNN0011", 0, 0, "move it under 'encoder'" },
        { "root layers", Minimal + "layers:\n  - cell: gru\n    hidden: 4\n", "RNN0011", 19, 0, "each stack has its own 'layers'" },
        { "missing encoder", Replace("encoder:\n  input: { vocab: 7, embedding: 3 }\n  layers:\n    - cell: gru\n      hidden: 4\n", string.Empty), "RNN0006", 0, 0, "add 'encoder:' with 'input' and 'layers'" },
        { "missing decoder", Replace("decoder:\n  input: { vocab: 6, embedding: 3 }\n  layers:\n    - cell: gru\n      hidden: 4\n", string.Empty), "RNN0006", 0, 0, "add 'decoder:' with 'input' and 'layers'" },
        { "encoder not a mapping", Replace("encoder:\n  input: { vocab: 7, embedding: 3 }\n  layers:\n    - cell: gru\n      hidden: 4\n", "encoder: 5\n"), "RNN0007", 2, 9, "'encoder' must be a mapping" },
        { "encoder without layers", Replace("  layers:\n    - cell: gru\n      hidden: 4\ndecoder:", "decoder:"), "RNN0006", 2, 0, "'encoder' needs the key 'layers'" },
        { "decoder without input", Replace("  input: { vocab: 6, embedding: 3 }\n", string.Empty), "RNN0006", 7, 0, "'decoder' needs the key 'input'" },
        { "unknown key in the encoder", Replace("  layers:\n    - cell: gru\n      hidden: 4\ndecoder:", "  layers:\n    - cell: gru\n      hidden: 4\n  bridge: true\ndecoder:"), "RNN0005", 7, 2, "'bridge' belongs under 'decoder'" },
        { "misspelled merge", Replace("      hidden: 4\ndecoder:", "      hidden: 4\n  merje: sum\ndecoder:"), "RNN0005", 7, 2, "did you mean 'merge'?" },
        { "unknown merge", Replace("      hidden: 4\ndecoder:", "      hidden: 4\n  merge: mean\ndecoder:"), "RNN0008", 7, 9, "expected concat or sum" },
        { "bridge not a boolean", Minimal.Replace("      hidden: 4\noutput:", "      hidden: 4\n  bridge: 1\noutput:"), "RNN0007", 12, 10, "true or false" },
        { "error inside an encoder layer", Replace("  layers:\n    - cell: gru\n      hidden: 4\ndecoder:", "  layers:\n    - cell: gru\n      hidden: 0\ndecoder:"), "RNN0009", 6, 14, "'encoder.layers[0].hidden' is 0" },

        // The decoder writes one step after another and reads back what it wrote.
        { "bidirectional decoder", Minimal.Replace("      hidden: 4\noutput:", "      hidden: 4\n      direction: bidirectional\noutput:"), "RNN0011", 12, 17, "a decoder layer cannot read backwards" },
        { "token decoder with a sigmoid head", Replace("head: softmax", "head: sigmoid"), "RNN0011", 12, 0, "needs 'head: softmax' with 'size: 6'" },
        { "token decoder with another size", Replace("size: 6", "size: 5").Replace("stop: 5", "stop: 4"), "RNN0011", 12, 0, "'size: 6' (the decoder's vocab)" },
        { "token decoder without start", Replace("  start: 4\n", string.Empty), "RNN0006", 12, 0, "'output' needs the key 'start'" },
        { "start outside the decoder's vocab", Replace("start: 4", "start: 6"), "RNN0009", 17, 9, "below decoder.input.vocab, which is 6" },
        { "stop outside the head", Replace("stop: 5", "stop: 6"), "RNN0009", 18, 8, "below size, which is 6" },
        { "token decoder trained with mse", Minimal + "training:\n  loss: mse\n  optimizer: adam\n", "RNN0011", 20, 8, "trains with 'loss: cross_entropy'" },
        { "decoder padding outside its vocab", Replace("{ vocab: 6, embedding: 3 }", "{ vocab: 6, embedding: 3, padding: 6 }"), "RNN0009", 8, 44, "'decoder.input.padding' is 6" },
        { "start with a feature decoder", Replace("{ vocab: 6, embedding: 3 }", "2").Replace("head: softmax\n  size: 6", "head: linear\n  size: 2").Replace("  stop: 5\n", string.Empty), "RNN0011", 17, 2, "this decoder reads vectors" },
        { "feature decoder output of another width", Replace("{ vocab: 6, embedding: 3 }", "2").Replace("head: softmax\n  size: 6", "head: linear\n  size: 3").Replace("  start: 4\n  stop: 5\n", string.Empty), "RNN0011", 12, 0, "must have the decoder input's 2 values, not 3" },

        // Without a bridge, the encoder's final states fit the decoder layer by layer.
        { "more decoder layers", Replace("      hidden: 4\noutput:", "      hidden: 4\n    - cell: gru\n      hidden: 4\noutput:"), "RNN0011", 9, 2, "the encoder has 1 layers, the decoder 2; add 'bridge: true'" },
        { "narrower decoder", Minimal.Replace("      hidden: 4\noutput:", "      hidden: 3\noutput:"), "RNN0011", 10, 6, "decoder layer 0 has a state of 3 values, and encoder layer 0's final state has 4" },
        { "bidirectional encoder concatenated", Replace("      hidden: 4\ndecoder:", "      hidden: 4\n      direction: bidirectional\ndecoder:"), "RNN0011", 11, 6, "final state (both directions, concatenated) has 8" },
        { "lstm decoder after a gru encoder", Minimal.Replace("    - cell: gru\n      hidden: 4\noutput:", "    - cell: lstm\n      hidden: 4\noutput:"), "RNN0011", 10, 6, "decoder layer 0 is an lstm, which starts from a cell state too, and encoder layer 0 is a gru" },
        { "gru decoder after an lstm encoder", Replace("    - cell: gru\n      hidden: 4\ndecoder:", "    - cell: lstm\n      hidden: 4\ndecoder:"), "RNN0011", 10, 6, "encoder layer 0 is an lstm whose cell state would be dropped" },
        { "lstm cell state of another width", Replace("    - cell: gru\n      hidden: 4\ndecoder:", "    - cell: lstm\n      hidden: 5\n      projection: 4\ndecoder:").Replace("    - cell: gru\n      hidden: 4\noutput:", "    - cell: lstm\n      hidden: 4\noutput:"), "RNN0011", 11, 6, "a cell state of 4 values (hidden), and encoder layer 0's final cell state has 5" },

        // Settings without effect, and what this release cannot build.
        { "merge with a bridge", Replace("      hidden: 4\ndecoder:", "      hidden: 4\n  merge: sum\ndecoder:").Replace("      hidden: 4\noutput:", "      hidden: 4\n  bridge: true\noutput:"), "RNN0016", 7, 2, "no effect with 'decoder.bridge: true'" },
        { "merge without a bidirectional layer", Replace("      hidden: 4\ndecoder:", "      hidden: 4\n  merge: sum\ndecoder:"), "RNN0016", 7, 2, "no effect without a bidirectional encoder layer" },
        { "dropout with one layer per stack", Minimal + Training + "  dropout: 0.2\n", "RNN0016", 22, 11, "the encoder and the decoder have one layer each" },
        { "compiled-in weights", Minimal + "weights: tiny.safetensors\n", "RNN0013", 19, 9, "load the file at run time with LoadSafetensors" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReportsTheRule(string rule, string text, string id, int line, int column, string fix)
    {
        Assert.NotEmpty(rule);
        ParseAssert.Single(text, id, line, column, fix);
    }

    public static readonly TheoryData<string, string> Valid = new()
    {
        { "the minimal spec", Minimal },
        { "with training", Minimal + Training },
        { "bidirectional encoder summed", Replace("      hidden: 4\ndecoder:", "      hidden: 4\n      direction: bidirectional\n  merge: sum\ndecoder:") },
        { "bidirectional encoder concatenated", Replace("      hidden: 4\ndecoder:", "      hidden: 4\n      direction: bidirectional\ndecoder:").Replace("      hidden: 4\noutput:", "      hidden: 8\noutput:") },
        { "any sizes through a bridge", Replace("      hidden: 4\noutput:", "      hidden: 9\n    - cell: lstm\n      hidden: 2\n  bridge: true\noutput:") },
        { "feature input and output", Replace("{ vocab: 7, embedding: 3 }", "3").Replace("{ vocab: 6, embedding: 3 }", "2").Replace("head: softmax\n  size: 6", "head: linear\n  size: 2").Replace("  start: 4\n  stop: 5\n", string.Empty) + "training:\n  loss: mse\n  optimizer: adam\n" },
        { "lstm projections concatenated", Replace("    - cell: gru\n      hidden: 4\ndecoder:", "    - cell: lstm\n      hidden: 3\n      projection: 2\n      direction: bidirectional\ndecoder:").Replace("    - cell: gru\n      hidden: 4\noutput:", "    - cell: lstm\n      hidden: 6\n      projection: 4\noutput:") },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void AcceptsTheSpec(string name, string text)
    {
        ParseResult result = ParseAssert.Parse(text);
        Assert.True(result.Spec is not null && result.Diagnostics.IsEmpty, name + ": " + ParseAssert.Ids(result));
        Assert.NotNull(result.Spec!.Decoder);
    }
}
