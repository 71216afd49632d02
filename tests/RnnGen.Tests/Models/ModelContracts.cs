using System;
using System.IO;

namespace RnnGen.Tests.Models;

/// <summary>
/// What every generated class offers, as an interface the test project attaches to the generated
/// partial classes, so one test can drive every fixture model.
/// </summary>
public interface ITestModel<T>
    where T : unmanaged
{
    Span<T> Parameters { get; }

    void ParametersChanged();

    void Predict(ReadOnlySpan<T> input, Span<T> output);

    void LoadSafetensors(Stream stream);

    void SaveSafetensors(Stream stream);
}

/// <summary>A unidirectional model: <see cref="RunSteps"/> feeds a whole sequence through <c>Step</c> from the zero state.</summary>
public interface IStepTestModel<T> : ITestModel<T>
    where T : unmanaged
{
    /// <summary>Writes each step's output to <paramref name="outputs"/> [T, OutputSize].</summary>
    void RunSteps(ReadOnlySpan<T> input, Span<T> outputs);
}

public delegate void StepFunction<TState, T>(ref TState state, ReadOnlySpan<T> x, Span<T> y);

public static class Steps
{
    public static void Run<TState, T>(StepFunction<TState, T> step, ReadOnlySpan<T> input, Span<T> outputs, int inputSize, int outputSize)
        where TState : struct
    {
        TState state = default;
        int steps = input.Length / inputSize;
        for (int t = 0; t < steps; t++)
        {
            step(ref state, input.Slice(t * inputSize, inputSize), outputs.Slice(t * outputSize, outputSize));
        }
    }
}
