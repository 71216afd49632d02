using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>One sequence of T = 100 steps from the zero state (Predict), generated against naive.</summary>
public class PredictBenchmarks
{
    private readonly float[] _y = new float[1];
    private IRecurrentModel _naive = null!;
    private IRecurrentModel _generated = null!;
    private float[] _input = null!;

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
        _input = ModelCatalog.RandomValues(ModelCatalog.SequenceLength * Hidden, seed: 3);
    }

    [Benchmark(Baseline = true)]
    [TimeSteps(ModelCatalog.SequenceLength)]
    public void NaivePredict() => _naive.Predict(_input, _y);

    [Benchmark]
    [TimeSteps(ModelCatalog.SequenceLength)]
    public void GeneratedPredict() => _generated.Predict(_input, _y);
}
