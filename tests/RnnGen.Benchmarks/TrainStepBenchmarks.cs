using BenchmarkDotNet.Attributes;
using RnnGen.Benchmarks.Naive;

namespace RnnGen.Benchmarks;

/// <summary>
/// One LSTM training step on one sequence (forward, MSE, BPTT, Adam): generated against naive BPTT, which
/// <see cref="Verification"/> checks gradient by gradient.
/// </summary>
public class LstmTrainStepBenchmarks
{
    private readonly float[] _target = [0.5f];
    private ITrainableModel _naive = null!;
    private ITrainableModel _generated = null!;
    private float[] _input = null!;

    [Params(8, 16, 32, 64, 128, 256)]
    public int Hidden { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Verification.EnsureAgreement(Cell.Lstm, Hidden);
        _generated = ModelCatalog.Generated(Cell.Lstm, Hidden);
        _naive = (NaiveLstm)ModelCatalog.Naive(Cell.Lstm, Hidden, _generated);
        _input = ModelCatalog.RandomValues(ModelCatalog.SequenceLength * Hidden, seed: 4);
    }

    [Benchmark(Baseline = true)]
    [TimeSteps(ModelCatalog.SequenceLength)]
    public float NaiveTrainStep() => _naive.TrainStep(_input, _target);

    [Benchmark]
    [TimeSteps(ModelCatalog.SequenceLength)]
    public float GeneratedTrainStep() => _generated.TrainStep(_input, _target);
}

/// <summary>One GRU training step on one sequence (forward, MSE, BPTT, Adam); no naive baseline.</summary>
public class GruTrainStepBenchmarks
{
    private readonly float[] _target = [0.5f];
    private ITrainableModel _generated = null!;
    private float[] _input = null!;

    [Params(8, 16, 32, 64, 128, 256)]
    public int Hidden { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Verification.EnsureAgreement(Cell.Gru, Hidden);
        _generated = ModelCatalog.Generated(Cell.Gru, Hidden);
        _input = ModelCatalog.RandomValues(ModelCatalog.SequenceLength * Hidden, seed: 4);
    }

    [Benchmark]
    [TimeSteps(ModelCatalog.SequenceLength)]
    public float GeneratedTrainStep() => _generated.TrainStep(_input, _target);
}
