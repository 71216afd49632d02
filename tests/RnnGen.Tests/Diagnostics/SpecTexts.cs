namespace RnnGen.Tests.Diagnostics;

/// <summary>Specs the diagnostics tests start from; tests change one line to break them.</summary>
internal static class SpecTexts
{
    public const string FilePath = "/project/models/tiny.rnn.yaml";

    // Lines (0-based): 0 model, 1 input, 2 sequence, 3 layers, 4 "- cell", 5 hidden, 6 output, 7 mode, 8 head, 9 size.
    public const string Minimal = """
        model: Tiny
        input: 4
        sequence: 5
        layers:
          - cell: lstm
            hidden: 8
        output:
          mode: many-to-one
          head: sigmoid
          size: 1

        """;

    /// <summary>Every key of DESIGN.md's spec that this release builds a class for, at a value other than its default.</summary>
    public const string Full = """
        # Every supported key, most at a value other than the default.
        model: FullModel
        namespace: Samples.Models
        precision: float64
        input: 16
        sequence: 30
        init: pytorch
        layers:
          - cell: lstm
            hidden: 32
            direction: bidirectional
            bias: true
            peepholes: false
          - cell: gru
            hidden: 24
            reset: after
          - { cell: rnn, hidden: 12, activation: tanh, direction: forward }
        output:
          mode: many-to-many
          head: softmax
          size: 5
        unroll: auto

        """;

    /// <summary><see cref="Minimal"/> with <paramref name="oldText"/> replaced, failing loudly if it is not there.</summary>
    public static string Replace(string oldText, string newText, string spec = Minimal)
    {
        Xunit.Assert.Contains(oldText, spec);
        return spec.Replace(oldText, newText);
    }
}
