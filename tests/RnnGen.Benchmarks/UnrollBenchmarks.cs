using System;
using BenchmarkDotNet.Attributes;
using RnnGen.Benchmarks.Models;

namespace RnnGen.Benchmarks;

/// <summary>
/// Where writing the products' k loops out (<c>unroll: full</c>) pays: the models of Specs/ at H = 8, 16, 32 against
/// their <c>-unrolled</c> twins, Step and Predict, loops as the baseline of the same run. (At H = 48 and above the
/// unrolled product of the Vector128 path would pass the JIT's optimizing limit, so the generator keeps loops.)
/// </summary>
public class UnrollBenchmarks
{
    private readonly float[] _y = new float[1];
    private ITrainableModel _loops = null!;
    private ITrainableModel _unrolled = null!;
    private float[] _input = null!;
    private float[] _x = null!;

    [Params(Cell.Lstm, Cell.Gru)]
    public Cell Cell { get; set; }

    [Params(8, 16, 32)]
    public int Hidden { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _loops = ModelCatalog.Generated(Cell, Hidden);
        _unrolled = Unrolled(Cell, Hidden);
        ModelCatalog.CopyParameters(_loops, _unrolled);
        _input = ModelCatalog.RandomValues(ModelCatalog.SequenceLength * Hidden, seed: 3);
        _x = ModelCatalog.RandomValues(Hidden, seed: 2);

        // the two must compute the same numbers, bit for bit (the same multiply-adds in the same order)
        var a = new float[1];
        var b = new float[1];
        _loops.Predict(_input, a);
        _unrolled.Predict(_input, b);
        if (a[0] != b[0])
        {
            throw new InvalidOperationException($"{Cell} {Hidden}: loops {a[0]} and unrolled {b[0]} differ.");
        }
    }

    [Benchmark(Baseline = true)]
    [TimeSteps(1)]
    public void LoopsStep() => _loops.Advance(_x, _y);

    [Benchmark]
    [TimeSteps(1)]
    public void UnrolledStep() => _unrolled.Advance(_x, _y);

    [Benchmark]
    [TimeSteps(ModelCatalog.SequenceLength)]
    public void LoopsPredict() => _loops.Predict(_input, _y);

    [Benchmark]
    [TimeSteps(ModelCatalog.SequenceLength)]
    public void UnrolledPredict() => _unrolled.Predict(_input, _y);

    private static ITrainableModel Unrolled(Cell cell, int hidden) => (cell, hidden) switch
    {
        (Cell.Lstm, 8) => new Lstm8Unrolled(),
        (Cell.Lstm, 16) => new Lstm16Unrolled(),
        (Cell.Lstm, 32) => new Lstm32Unrolled(),
        (Cell.Gru, 8) => new Gru8Unrolled(),
        (Cell.Gru, 16) => new Gru16Unrolled(),
        (Cell.Gru, 32) => new Gru32Unrolled(),
        _ => throw new ArgumentOutOfRangeException(nameof(hidden), hidden, $"No unrolled {cell} of this hidden size."),
    };
}
