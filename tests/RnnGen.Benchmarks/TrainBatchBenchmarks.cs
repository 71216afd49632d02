using System;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// The gradients of a batch of 32 sequences of T = 100 steps (forward, MSE, BPTT; no optimizer step): the generated
/// AccumulateGradients in a loop (baseline: what AccumulateGradientsBatch did before it trained lockstep groups) and
/// AccumulateGradientsBatch, which runs the sequences four at a time so each step's products read W once for the four,
/// on the calling thread and on 2 threads (the machine has 2 cores; timed by the calling thread's clock, see the docs).
/// </summary>
public class TrainBatchBenchmarks
{
    private ITrainableModel _generated = null!;
    private float[] _inputs = null!;
    private float[] _targets = null!;

    [Params(Cell.Lstm, Cell.Gru)]
    public Cell Cell { get; set; }

    [Params(8, 16, 32, 64, 128, 256)]
    public int Hidden { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Verification.EnsureAgreement(Cell, Hidden);
        _generated = ModelCatalog.Generated(Cell, Hidden);
        _inputs = ModelCatalog.RandomValues(PredictBatchBenchmarks.BatchSize * ModelCatalog.SequenceLength * Hidden, seed: 4);
        _targets = ModelCatalog.RandomValues(PredictBatchBenchmarks.BatchSize, seed: 5);
    }

    [Benchmark(Baseline = true)]
    [TimeSteps(PredictBatchBenchmarks.BatchSize * ModelCatalog.SequenceLength)]
    public float GeneratedAccumulateEach()
    {
        _generated.ZeroGradients();
        int sequence = ModelCatalog.SequenceLength * Hidden;
        float sum = 0;
        for (int i = 0; i < PredictBatchBenchmarks.BatchSize; i++)
        {
            sum += _generated.AccumulateGradients(_inputs.AsSpan(i * sequence, sequence), _targets.AsSpan(i, 1));
        }

        return sum / PredictBatchBenchmarks.BatchSize;
    }

    [Benchmark]
    [TimeSteps(PredictBatchBenchmarks.BatchSize * ModelCatalog.SequenceLength)]
    public float GeneratedAccumulateGradientsBatch()
    {
        _generated.ZeroGradients();
        return _generated.AccumulateGradientsBatch(_inputs, _targets, default);
    }

    [Benchmark]
    [TimeSteps(PredictBatchBenchmarks.BatchSize * ModelCatalog.SequenceLength)]
    public float GeneratedAccumulateGradientsBatch2Threads()
    {
        _generated.ZeroGradients();
        return _generated.AccumulateGradientsBatch(_inputs, _targets, default, 2);
    }
}
