using System;
using System.IO;

namespace RnnGen.Tests.EncoderDecoder;

/// <summary>
/// The generated API of a trainable encoder-decoder model (docs/encoder-decoder.md), as the tests drive it: the
/// fixture classes are partial, and declaring this interface on them (Seq2SeqModels.cs) checks at compile time
/// that the generated members exist with these signatures.
/// </summary>
public interface ISeq2SeqModel<T, TIn, TTarget>
{
    Span<T> Parameters { get; }

    Span<T> Gradients { get; }

    void ParametersChanged();

    void LoadSafetensors(Stream stream);

    void SaveSafetensors(Stream stream);

    void Predict(ReadOnlySpan<TIn> input, Span<T> output);

    void Predict(ReadOnlySpan<TIn> input, Span<T> output, int length);

    void ZeroGradients();

    T AccumulateGradients(ReadOnlySpan<TIn> input, ReadOnlySpan<TTarget> target);

    T AccumulateGradients(ReadOnlySpan<TIn> input, ReadOnlySpan<TTarget> target, int length);

    void ApplyGradients(int batchSize);

    T TrainStep(ReadOnlySpan<TIn> input, ReadOnlySpan<TTarget> target, int length);
}

/// <summary>What a token decoder adds: tokens out, greedy or sampled.</summary>
public interface ITokenDecoder<TIn>
{
    int Decode(ReadOnlySpan<TIn> input, Span<int> output);

    int Decode(ReadOnlySpan<TIn> input, Span<int> output, int length);

    int Generate(ReadOnlySpan<TIn> input, Span<int> output, float temperature, int seed);

    int Generate(ReadOnlySpan<TIn> input, Span<int> output, float temperature, int seed, int length);
}
