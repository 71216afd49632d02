using System;
using System.Linq;
using System.Threading;
using RnnGen.Samples;
using Xunit;

namespace RnnGen.Tests.Behavior;

/// <summary>
/// DESIGN.md: Predict and Step are safe to call from several threads at once on one instance.
/// Each thread runs its own inputs many times; every result must equal the single-threaded one bit
/// for bit (any shared scratch would mix sequences and break this).
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class ConcurrencyTests
{
    private const int Threads = 4;
    private const int Rounds = 300;

    [Fact]
    public void Predict_on_one_instance_from_several_threads_gives_identical_results()
    {
        var stack = new JumpDetector(seed: 7);
        var threadBuffer = new StockForecaster(seed: 7);
        float[][] inputs = Enumerable.Range(0, Threads).Select(t => Shifted<float>(JumpDetector.SequenceLength * JumpDetector.InputSize, t)).ToArray();
        double[][] inputs64 = Enumerable.Range(0, Threads).Select(t => Shifted<double>(StockForecaster.SequenceLength * StockForecaster.InputSize, t)).ToArray();
        float[][] expected = inputs.Select(i => { var o = new float[1]; stack.Predict(i, o); return o; }).ToArray();
        double[][] expected64 = inputs64.Select(i => { var o = new double[1]; threadBuffer.Predict(i, o); return o; }).ToArray();
        Assert.True(expected.Select(e => e[0]).Distinct().Count() == Threads, "inputs must give distinct outputs, or mixing would go unseen");

        int mismatches = 0;
        using var start = new Barrier(Threads);
        Thread[] workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var output = new float[1];
            var output64 = new double[1];
            var stepOut = new float[1];
            start.SignalAndWait();
            for (int round = 0; round < Rounds; round++)
            {
                stack.Predict(inputs[t], output);
                threadBuffer.Predict(inputs64[t], output64);
                var state = default(JumpDetector.State);
                for (int s = 0; s < JumpDetector.SequenceLength; s++)
                {
                    stack.Step(ref state, inputs[t].AsSpan(s * JumpDetector.InputSize, JumpDetector.InputSize), stepOut);
                }

                if (output[0] != expected[t][0] || output64[0] != expected64[t][0] || Math.Abs(stepOut[0] - expected[t][0]) > 1e-5)
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        })).ToArray();

        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        Assert.Equal(0, mismatches);
    }

    private static T[] Shifted<T>(int length, int shift)
        where T : unmanaged
    {
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = Math.Sin((0.37 * i) + shift) * (1 + shift);
        }

        return Models.Fixture.Convert<T>(values);
    }
}
