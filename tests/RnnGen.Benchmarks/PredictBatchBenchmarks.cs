using System;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// A batch of 32 sequences of T = 100 steps: the naive model looping over its Predict (baseline), the generated
/// Predict in a loop (what PredictBatch did before it ran sequences in groups), the generated PredictBatch on the
/// calling thread, and on 2 threads (the machine has 2 cores).
/// </summary>
public class PredictBatchBenchmarks
{
    /// <summary>Sequences per batch (the PyTorch script times the same batch).</summary>
    public const int BatchSize = 32;

    private readonly float[] _y = new float[BatchSize];
    private IRecurrentModel _naive = null!;
    private IRecurrentModel _generated = null!;
    private float[] _inputs = null!;

    [Params(Cell.Lstm, Cell.Gru)]
    public Cell Cell { get; set; }

    [Params(8, 16, 32, 64, 128, 256)]
    public int Hidden { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Verification.EnsureAgreement(Cell, Hidden);
        _generated = ModelCatalog.Generated(Cell, Hidden);
        _naive = ModelCatalog.Naive(Cell, Hidden, _generated);
        _inputs = ModelCatalog.RandomValues(BatchSize * ModelCatalog.SequenceLength * Hidden, seed: 4);
    }

    [Benchmark(Baseline = true)]
    [TimeSteps(BatchSize * ModelCatalog.SequenceLength)]
    public void NaivePredictBatch() => _naive.PredictBatch(_inputs, _y);

    [Benchmark]
    [TimeSteps(BatchSize * ModelCatalog.SequenceLength)]
    public void GeneratedPredictEach()
    {
        int sequence = ModelCatalog.SequenceLength * Hidden;
        for (int i = 0; i < BatchSize; i++)
        {
            _generated.Predict(_inputs.AsSpan(i * sequence, sequence), _y.AsSpan(i, 1));
        }
    }

    [Benchmark]
    [TimeSteps(BatchSize * ModelCatalog.SequenceLength)]
    public void GeneratedPredictBatch() => _generated.PredictBatch(_inputs, _y);

    [Benchmark]
    [TimeSteps(BatchSize * ModelCatalog.SequenceLength)]
    public void GeneratedPredictBatch2Threads() => _generated.PredictBatch(_inputs, _y, default, 2);
}
