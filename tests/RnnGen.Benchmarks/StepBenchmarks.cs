using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>One time step of a carried state (Step), generated against naive.</summary>
public class StepBenchmarks
{
    private readonly float[] _y = new float[1];
    private IRecurrentModel _naive = null!;
    private IRecurrentModel _generated = null!;
    private float[] _x = null!;

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
        _x = ModelCatalog.RandomValues(Hidden, seed: 2);
    }

    [Benchmark(Baseline = true)]
    [TimeSteps(1)]
    public void NaiveStep() => _naive.Advance(_x, _y);

    [Benchmark]
    [TimeSteps(1)]
    public void GeneratedStep() => _generated.Advance(_x, _y);
}
