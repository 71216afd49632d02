using System;
using System.Diagnostics;
using System.IO;

namespace RnnGen.Benchmarks;

/// <summary>
/// The <c>--loop CELL HIDDEN</c> mode: the batch methods of <see cref="PredictBatchBenchmarks"/> and
/// <see cref="TrainBatchBenchmarks"/> (one thread) timed by a plain Stopwatch outside BenchmarkDotNet, each for 6 s,
/// the four in turn and twice over, so a gap that only BenchmarkDotNet's in-process runs show can be told apart.
/// </summary>
public static class StopwatchLoop
{
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(6);

    public static void Run(Cell cell, int hidden, TextWriter output)
    {
        int batch = PredictBatchBenchmarks.BatchSize;
        int sequence = ModelCatalog.SequenceLength * hidden;
        ITrainableModel model = ModelCatalog.Generated(cell, hidden);
        float[] inputs = ModelCatalog.RandomValues(batch * sequence, seed: 4);
        float[] targets = ModelCatalog.RandomValues(batch, seed: 5);
        float[] y = new float[batch];
        (string Name, Action Call)[] cases =
        [
            ("Predict loop", () =>
            {
                for (int i = 0; i < batch; i++)
                {
                    model.Predict(inputs.AsSpan(i * sequence, sequence), y.AsSpan(i, 1));
                }
            }),
            ("PredictBatch", () => model.PredictBatch(inputs, y)),
            ("AccumulateGradients loop", () =>
            {
                model.ZeroGradients();
                for (int i = 0; i < batch; i++)
                {
                    model.AccumulateGradients(inputs.AsSpan(i * sequence, sequence), targets.AsSpan(i, 1));
                }
            }),
            ("AccumulateGradientsBatch", () =>
            {
                model.ZeroGradients();
                model.AccumulateGradientsBatch(inputs, targets, default);
            }),
        ];

        for (int round = 0; round < 2; round++)
        {
            foreach ((string name, Action call) in cases)
            {
                call();
                var clock = Stopwatch.StartNew();
                int calls = 0;
                while (clock.Elapsed < PerCase)
                {
                    call();
                    calls++;
                }

                output.WriteLine($"{cell}{hidden} {name}: {clock.Elapsed.TotalMilliseconds * 1000 / calls:F1} us per {batch} sequences ({calls} calls)");
            }
        }
    }
}
