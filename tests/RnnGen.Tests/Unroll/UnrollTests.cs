using System;
using System.Linq;
using RnnGen.Tests.Infrastructure;
using RnnGen.Tests.Models;
using Xunit;

namespace RnnGen.Tests.Unroll;

/// <summary>
/// <c>unroll: full</c> writes the forward products' k loops out and changes nothing else: the same multiply-adds in
/// the same order, so a model and its twin with loops (tests/RnnGen.Tests/Specs/Unrolled*.rnn.yaml and
/// Looped*.rnn.yaml) agree bit for bit on outputs, states, steps, losses and gradients. Numeric, so the instruction-set
/// reruns hold every vector path to it.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class UnrollTests
{
    [Theory]
    [InlineData("Lstm")]
    [InlineData("Gru64")]
    public void Unrolled_products_compute_exactly_what_the_loops_compute(string kind)
    {
        ModelHandle unrolled = ModelHandle.Create("Unrolled" + kind, seed: 5);
        ModelHandle looped = ModelHandle.Create("Looped" + kind, seed: 5);
        Assert.Equal(looped.GetParameters(), unrolled.GetParameters());

        var random = new InitRandom(11);
        int vocab = unrolled.IsTokens ? unrolled.Constant("VocabSize") : 0;
        int inputs = unrolled.IsTokens ? unrolled.SequenceLength : unrolled.SequenceLength * unrolled.InputSize;
        for (int trial = 0; trial < 3; trial++)
        {
            double[] input = Enumerable.Range(0, inputs).Select(_ => vocab > 0 ? Math.Floor(random.NextDouble() * vocab) : (4 * random.NextDouble()) - 2).ToArray();
            double[] target = unrolled.HasClassTargets
                ? Enumerable.Range(0, unrolled.OutputLength).Select(_ => Math.Floor(random.NextDouble() * unrolled.OutputSize)).ToArray()
                : Enumerable.Range(0, unrolled.OutputLength * unrolled.OutputSize).Select(_ => random.NextDouble()).ToArray();

            double[] output = unrolled.Predict(input);
            Assert.Contains(output, v => v != 0);
            Assert.Equal(looped.Predict(input), output);
            if (unrolled.StateType is not null)
            {
                Assert.Equal(looped.RunSteps(input), unrolled.RunSteps(input));
            }

            Assert.Equal(looped.TrainStep(input, target), unrolled.TrainStep(input, target));
            Assert.Equal(looped.GetParameters(), unrolled.GetParameters());
        }
    }

    [Fact]
    public void The_twins_differ_only_in_their_product_loops()
    {
        string Source(string name) => Assert.Single(GeneratorHarness.Run($"/project/Specs/{name}.rnn.yaml", System.IO.File.ReadAllText(System.IO.Path.Combine(GeneratorHarness.SourceDirectory(), "..", "Specs", name + ".rnn.yaml"))).Sources).Source;
        string unrolled = Source("UnrolledLstm");
        string looped = Source("LoopedLstm");
        string Method(string source, string name)
        {
            int start = source.IndexOf($"private static void {name}(", StringComparison.Ordinal);
            Assert.True(start >= 0, name);
            int end = source.IndexOf("private static void ", start + 20, StringComparison.Ordinal);
            return source[start..end];
        }

        foreach (string method in new[] { "Layer0ProjectV256", "Layer0StepV128", "Layer1StepV512", "Layer1ProjectV256" })
        {
            Assert.DoesNotContain("k = 0; k <", Method(unrolled, method));
            Assert.Contains("for (nint k = 0; k <", Method(looped, method));
        }

        Assert.Contains("for (int k = 0; k <", Method(unrolled, "Layer0StepScalar")); // the scalar path keeps its loops
        Assert.Contains("// k = 11", unrolled);
        Assert.Contains("for (nint k = 0; k < 12; k++)", looped);
        Assert.DoesNotContain("// k = ", looped);
    }

    [Theory]
    [InlineData(32, 64, true)]    // LSTM, H = 32, 64 inputs: 128 gate rows / 4 lanes x 64 inputs x 24 bytes = 49,152
    [InlineData(48, 64, false)]   // H = 48: 192 / 4 x 64 x 24 = 73,728, over the 60,000
    [InlineData(64, 16, false)]   // H = 64: 256 / 4 x 64 x 24 = 98,304
    public void The_budget_keeps_loops_where_a_method_would_be_too_large(int hidden, int input, bool unrolls)
    {
        string spec = $"model: Budget\nnamespace: N\ninput: {input}\nsequence: 4\nlayers:\n  - cell: lstm\n    hidden: {hidden}\noutput:\n  mode: many-to-one\n  head: linear\n  size: 1\nunroll: full\n";
        GeneratorRun run = GeneratorHarness.Run("/project/Budget.rnn.yaml", spec);
        Assert.Equal(unrolls ? Array.Empty<string>() : new[] { "RNN0017" }, run.GeneratorDiagnostics.Select(d => d.Id).ToArray());
        Assert.Empty(run.CompilationDiagnostics);
        Assert.Equal(unrolls, Assert.Single(run.Sources).Source.Contains("// k = 0", StringComparison.Ordinal));
    }
}
