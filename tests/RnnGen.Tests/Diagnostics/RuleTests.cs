using Xunit;
using static RnnGen.Tests.Diagnostics.SpecTexts;

namespace RnnGen.Tests.Diagnostics;

/// <summary>The rules of docs/spec.md, one case each: which diagnostic, where (0-based), and the fix it names.</summary>
public sealed class RuleTests
{
    private const string Training = "training:\n  loss: mse\n  optimizer: adam\n";

    public static readonly TheoryData<string, string, string, int, int, string> Cases = new()
    {
        // Keys: unknown, misplaced, missing.
        { "key of another section", Minimal + "learning_rate: 0.1\n", "RNN0005", 10, 0, "'learning_rate' belongs under 'training'" },
        { "unrelated key", Minimal + "colour: blue\n", "RNN0005", 10, 0, "expected model, namespace, precision" },
        { "key in the wrong case", Replace("hidden: 8", "Hidden: 8"), "RNN0005", 5, 4, "did you mean 'hidden'?" },
        { "missing model", Replace("model: Tiny\n", string.Empty), "RNN0006", 0, 0, "add 'model: MyModel'" },
        { "missing output", Replace("output:\n  mode: many-to-one\n  head: sigmoid\n  size: 1\n", string.Empty), "RNN0006", 0, 0, "The spec needs the key 'output'" },
        { "missing mode", Replace("  mode: many-to-one\n", string.Empty), "RNN0006", 6, 0, "'output' needs the key 'mode'" },
        { "missing size", Replace("  size: 1\n", string.Empty), "RNN0006", 6, 0, "add 'size: 1'" },
        { "missing vocab", Replace("input: 4", "input: { embedding: 8 }"), "RNN0006", 1, 0, "'input' needs the key 'vocab'" },
        { "missing learning rate for sgd", Minimal + "training:\n  loss: mse\n  optimizer: sgd\n", "RNN0006", 10, 0, "add 'learning_rate: 0.01'" },

        // Types.
        { "float for an integer", Replace("hidden: 8", "hidden: 3.5"), "RNN0007", 5, 12, "a whole number" },
        { "quoted integer", Replace("hidden: 8", "hidden: \"8\""), "RNN0007", 5, 12, "(remove the quotes)" },
        { "underscored integer", Replace("hidden: 8", "hidden: 1_000"), "RNN0007", 5, 12, "in decimal digits" },
        { "leading zero", Replace("hidden: 8", "hidden: 010"), "RNN0007", 5, 12, "without leading zeros" },
        { "yes for a boolean", Replace("hidden: 8", "hidden: 8\n    bias: yes"), "RNN0007", 6, 10, "must be true or false, not 'yes'" },
        { "sequence for a mapping", Replace("output:\n", "output:\n  - x\n"), "RNN0001", 8, 2, "check the indentation" },
        { "sequence for output", Replace("output:\n  mode: many-to-one\n  head: sigmoid\n  size: 1\n", "output: [many-to-one]\n"), "RNN0007", 6, 8, "'output' must be a mapping such as" },
        { "mapping for layers", Replace("  - cell: lstm\n    hidden: 8\n", "  cell: lstm\n"), "RNN0007", 4, 2, "'layers' must be a sequence of layers" },
        { "scalar for a layer", Replace("  - cell: lstm\n    hidden: 8\n", "  - lstm\n"), "RNN0007", 4, 4, "'layers[0]' must be a mapping such as '{ cell: lstm, hidden: 32 }'" },
        { "mapping for an integer", Replace("sequence: 5", "sequence: { steps: 5 }"), "RNN0007", 2, 10, "must be an integer, not a mapping" },
        { "input as text", Replace("input: 4", "input: many"), "RNN0007", 1, 7, "or token input such as '{ vocab: 65, embedding: 32 }'" },
        { "absolute weights path", Minimal + "weights: /home/me/model.safetensors\n", "RNN0007", 10, 9, "relative to the spec" },
        { "weights of another format", Minimal + "weights: model.bin\n", "RNN0007", 10, 9, "ending in .safetensors" },

        // Values.
        { "head in capitals", Replace("head: sigmoid", "head: Sigmoid"), "RNN0008", 8, 8, "did you mean 'sigmoid'?" },
        { "mode with underscores", Replace("mode: many-to-one", "mode: many_to_one"), "RNN0008", 7, 8, "did you mean 'many-to-one'?" },
        { "unknown precision", Minimal + "precision: float16\n", "RNN0008", 10, 11, "expected float32 or float64" },

        // Ranges.
        { "negative size", Replace("size: 1", "size: -3"), "RNN0009", 9, 8, "between 1 and 65536" },
        { "softmax over one class", Replace("head: sigmoid", "head: softmax"), "RNN0009", 9, 8, "a softmax over one class always outputs 1" },
        { "sequence too long", Replace("sequence: 5", "sequence: 100001"), "RNN0009", 2, 10, "between 1 and 100000" },
        { "too many features", Replace("input: 4", "input: 70000"), "RNN0009", 1, 7, "between 1 and 65536" },
        { "vocab too large", Replace("input: 4", "input: { vocab: 2000000, embedding: 8 }"), "RNN0009", 1, 16, "between 1 and 1000000" },
        { "no layers", Replace("layers:\n  - cell: lstm\n    hidden: 8\n", "layers: []\n"), "RNN0009", 3, 8, "The number of layers is 0" },
        { "17 layers", Replace("layers:\n  - cell: lstm\n    hidden: 8\n", "layers:\n" + string.Concat(System.Linq.Enumerable.Repeat("  - { cell: gru, hidden: 2 }\n", 17))), "RNN0009", 20, 4, "between 1 and 16" },
        { "projection not below hidden", Replace("hidden: 8", "hidden: 8\n    projection: 8"), "RNN0009", 6, 16, "below hidden (8)" },
        { "dropout of 1", Minimal + Training + "  dropout: 1\n", "RNN0009", 13, 11, "at least 0 and below 1" },
        { "zero learning rate", Minimal + Training + "  learning_rate: 0\n", "RNN0009", 13, 17, "it must be above 0" },
        { "too many parameters", Replace("  - cell: lstm\n    hidden: 8\n", "  - { cell: lstm, hidden: 4096 }\n  - { cell: lstm, hidden: 4096 }\n"), "RNN0009", 3, 0, "The model's parameter count is 201,461,761" },
        { "too many values per sequence", Replace("input: 4", "input: 65536").Replace("sequence: 5", "sequence: 100000"), "RNN0009", 2, 10, "shorten the sequence" },
        { "start token beyond the vocabulary", Replace("input: 4", "input: { vocab: 10, embedding: 4 }").Replace("  mode: many-to-one\n  head: sigmoid\n  size: 1\n", "  mode: one-to-many\n  head: softmax\n  size: 10\n  length: 5\n  start: 10\n"), "RNN0009", 11, 9, "between 0 and 9 (below vocab" },

        // Names.
        { "contextual keyword", Replace("model: Tiny", "model: record"), "RNN0010", 0, 7, "use 'Record' instead" },
        { "lowercase name", Replace("model: Tiny", "model: tiny"), "RNN0010", 0, 7, "CS8981" },
        { "member name", Replace("model: Tiny", "model: Predict"), "RNN0010", 0, 7, "use 'PredictModel' instead" },
        { "dashed name", Replace("model: Tiny", "model: jump-detector"), "RNN0010", 0, 7, "use 'JumpDetector' instead" },
        { "name starting with a digit", Replace("model: Tiny", "model: 2Layers"), "RNN0010", 0, 7, "use 'Model2Layers' instead" },
        { "namespace with a keyword", Minimal + "namespace: Samples.class.Models\n", "RNN0010", 10, 11, "its part 'class' is not usable" },
        { "global namespace", Minimal + "namespace: global.Samples\n", "RNN0010", 10, 11, "reserves for 'global::'" },
        { "namespace with an empty part", Minimal + "namespace: Samples..Models\n", "RNN0010", 10, 11, "separate its parts with single dots" },

        // Keys that do not fit together.
        { "activation on an lstm", Replace("hidden: 8", "hidden: 8\n    activation: relu"), "RNN0011", 6, 4, "applies only to rnn layers, and this layer is an lstm" },
        { "reset on an lstm", Replace("hidden: 8", "hidden: 8\n    reset: before"), "RNN0011", 6, 4, "remove it or change the cell to gru" },
        { "forget bias without biases", Replace("hidden: 8", "hidden: 8\n    bias: false\n    forget_bias: 1"), "RNN0011", 7, 4, "remove forget_bias or the 'bias: false'" },
        { "size with head none", Replace("head: sigmoid", "head: none"), "RNN0011", 9, 2, "remove size or set head" },
        { "length with many-to-one", Replace("size: 1", "size: 1\n  length: 4"), "RNN0011", 10, 2, "applies only to the modes one-to-many and encoder-decoder" },
        { "encoder with many-to-one", Minimal + "encoder: {}\n", "RNN0011", 10, 0, "applies only to the mode encoder-decoder" },
        { "encoder under output", Replace("size: 1", "size: 1\n  encoder: {}"), "RNN0005", 10, 2, "'encoder' belongs at the top level of the spec" },
        { "padding outside the vocabulary", Replace("input: 4", "input: { vocab: 10, embedding: 4, padding: 10 }"), "RNN0009", 1, 43, "between 0 and 9" },
        { "padding misspelled", Replace("input: 4", "input: { vocab: 10, embedding: 4, paddng: 0 }"), "RNN0005", 1, 34, "did you mean 'padding'" },
        { "start without token input", Replace("  mode: many-to-one\n  head: sigmoid\n  size: 1\n", "  mode: one-to-many\n  head: linear\n  size: 4\n  length: 5\n  start: 0\n"), "RNN0011", 11, 2, "needs token input" },
        { "one-to-many with a bidirectional layer", Replace("  mode: many-to-one\n  head: sigmoid\n  size: 1\n", "  mode: one-to-many\n  head: linear\n  size: 4\n  length: 5\n", Replace("    hidden: 8\n", "    hidden: 8\n    direction: bidirectional\n")), "RNN0011", 6, 15, "cannot read the sequence backwards" },
        { "one-to-many output narrower than the input", Replace("  mode: many-to-one\n  head: sigmoid\n  size: 1\n", "  mode: one-to-many\n  head: linear\n  size: 3\n  length: 5\n"), "RNN0011", 6, 0, "must have the input's 4 values, not 3" },
        { "one-to-many tokens without a softmax over the vocab", Replace("input: 4", "input: { vocab: 6, embedding: 2 }", Replace("  mode: many-to-one\n  head: sigmoid\n  size: 1\n", "  mode: one-to-many\n  head: softmax\n  size: 5\n  length: 5\n")), "RNN0011", 6, 0, "needs 'head: softmax' with 'size: 6'" },
        { "beta1 with sgd", Minimal + "training:\n  loss: mse\n  optimizer: sgd\n  learning_rate: 0.1\n  beta1: 0.8\n", "RNN0011", 14, 2, "applies only to the optimizer adam" },
        { "nesterov without momentum", Minimal + "training:\n  loss: mse\n  optimizer: momentum\n  learning_rate: 0.1\n  momentum: 0\n  nesterov: true\n", "RNN0011", 15, 2, "needs a momentum above 0" },
        { "binary cross entropy with softmax", Replace("head: sigmoid\n  size: 1", "head: softmax\n  size: 3") + "training:\n  loss: binary_cross_entropy\n  optimizer: adam\n", "RNN0011", 11, 8, "use a loss that fits head softmax: cross_entropy or mse" },
        { "cross entropy with sigmoid", Minimal + "training:\n  loss: cross_entropy\n  optimizer: adam\n", "RNN0011", 11, 8, "set 'output.head: softmax'" },
        { "cross entropy without a head", Replace("  head: sigmoid\n  size: 1\n", string.Empty) + "training:\n  loss: cross_entropy\n  optimizer: adam\n", "RNN0011", 9, 8, "fits head none: mse" },

        { "seed without dropout", Minimal + Training + "  seed: 3\n", "RNN0016", 13, 2, "only seeds the dropout masks" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReportsTheRule(string rule, string text, string id, int line, int column, string fix)
    {
        Assert.NotEmpty(rule);
        ParseAssert.Single(text, id, line, column, fix);
    }
}
