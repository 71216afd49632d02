using System;

namespace RnnGen.Benchmarks.Models;

// The classes generated from Specs/*.rnn.yaml, made callable through ITrainableModel: every member but the carried
// state is the generated class's own. One State per instance is enough here, as a benchmark steps a single stream.

public sealed partial class Lstm8 : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Lstm16 : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Lstm32 : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Lstm64 : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Lstm128 : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Lstm256 : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Gru8 : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Gru16 : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Gru32 : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Gru64 : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Gru128 : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}

public sealed partial class Gru256 : ITrainableModel
{
    private State _benchmarkState;

    public void ResetState() => _benchmarkState = default;

    public void Advance(ReadOnlySpan<float> x, Span<float> y) => Step(ref _benchmarkState, x, y);
}
