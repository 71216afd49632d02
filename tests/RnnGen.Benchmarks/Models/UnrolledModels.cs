using System;

namespace RnnGen.Benchmarks.Models;

// The unroll: full twins of the small benchmark models (Specs/*-unrolled.rnn.yaml), for UnrollBenchmarks.cs.

public sealed partial class Lstm8Unrolled : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Lstm16Unrolled : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Lstm32Unrolled : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Gru8Unrolled : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Gru16Unrolled : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Gru32Unrolled : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}
