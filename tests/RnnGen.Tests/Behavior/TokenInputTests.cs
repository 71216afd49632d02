using System;
using RnnGen.Samples;
using RnnGen.Tests.Infrastructure;
using RnnGen.Tests.Models;
using Xunit;

namespace RnnGen.Tests.Behavior;

/// <summary>Token models: ids outside [0, VocabSize) are rejected before anything reads the embedding.</summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class TokenInputTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(SentimentClassifier.VocabSize)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    public void Predict_rejects_a_token_outside_the_vocabulary(int bad)
    {
        var model = new SentimentClassifier();
        int[] tokens = new int[SentimentClassifier.SequenceLength];
        tokens[17] = bad;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(tokens, new float[SentimentClassifier.OutputSize]));
        Assert.Contains("input[17]", error.ParamName, StringComparison.Ordinal);
    }

    [Fact]
    public void Step_rejects_a_token_outside_the_vocabulary_and_leaves_the_state()
    {
        var model = new TokenRnnStep();
        var state = default(TokenRnnStep.State);
        float[] y = new float[TokenRnnStep.OutputSize];
        model.Step(ref state, TokenRnnStep.VocabSize - 1, y);
        byte[] before = Bytes(ref state);

        Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(ref state, TokenRnnStep.VocabSize, y));
        Assert.Equal(before, Bytes(ref state));
        Assert.Contains(before, b => b != 0);
    }

    private static byte[] Bytes(ref TokenRnnStep.State state) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref state, 1)).ToArray();

    [Fact]
    public void Every_token_at_the_edges_of_the_vocabulary_is_accepted()
    {
        var model = new SentimentClassifier();
        int[] tokens = new int[SentimentClassifier.SequenceLength];
        tokens[0] = 0;
        tokens[^1] = SentimentClassifier.VocabSize - 1;
        float[] output = new float[SentimentClassifier.OutputSize];
        model.Predict(tokens, output);
        Assert.Equal(1f, output[0] + output[1] + output[2], 5);
    }

    [Fact]
    public void Token_predict_allocates_nothing_after_the_first_call()
    {
        var model = new EntityTagger();
        int[] tokens = new int[EntityTagger.SequenceLength];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = (i * 37) % EntityTagger.VocabSize;
        }

        float[] output = new float[EntityTagger.OutputLength * EntityTagger.OutputSize];
        model.Predict(tokens, output);
        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                model.Predict(tokens, output);
            }
        }));
    }
}
