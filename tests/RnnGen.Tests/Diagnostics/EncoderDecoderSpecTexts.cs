namespace RnnGen.Tests.Diagnostics;

/// <summary>The smallest valid encoder-decoder spec; the rule tests change one line of it to break it.</summary>
internal static class EncoderDecoderSpecTexts
{
    // Lines (0-based): 0 model, 1 sequence, 2 encoder, 3 input, 4 layers, 5 "- cell", 6 hidden, 7 decoder, 8 input,
    // 9 layers, 10 "- cell", 11 hidden, 12 output, 13 mode, 14 head, 15 size, 16 length, 17 start, 18 stop.
    public const string Minimal = """
        model: Tiny
        sequence: 5
        encoder:
          input: { vocab: 7, embedding: 3 }
          layers:
            - cell: gru
              hidden: 4
        decoder:
          input: { vocab: 6, embedding: 3 }
          layers:
            - cell: gru
              hidden: 4
        output:
          mode: encoder-decoder
          head: softmax
          size: 6
          length: 4
          start: 4
          stop: 5

        """;

    public static string Replace(string oldText, string newText)
    {
        string text = Minimal.Replace(oldText, newText, System.StringComparison.Ordinal);
        Xunit.Assert.NotEqual(Minimal, text);
        return text;
    }
}
