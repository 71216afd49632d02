using System;
using RnnGen.Samples;

namespace RnnGen.Generative;

/// <summary>
/// What <see cref="WindowTrainer{TModel}"/> needs of a generated one-to-many token model with a training section.
/// Every such class has these members; the partial declarations below only state it, so one trainer serves both.
/// </summary>
public interface ITokenModel
{
    /// <summary>Every parameter, flat.</summary>
    Span<float> Parameters { get; }

    /// <summary>Gradients summed since the last step, laid out like <see cref="Parameters"/>.</summary>
    Span<float> Gradients { get; }

    /// <summary>The optimizer's learning rate.</summary>
    float LearningRate { get; set; }

    /// <summary>Recomputes what the model derives from <see cref="Parameters"/>.</summary>
    void ParametersChanged();

    /// <summary>Sets every gradient to zero.</summary>
    void ZeroGradients();

    /// <summary>Teacher forcing on SequenceLength + 1 tokens: adds the gradient, returns the loss.</summary>
    float AccumulateGradients(ReadOnlySpan<int> sequence);

    /// <summary>Divides the gradients by <paramref name="batchSize"/>, clips, steps, zeroes them.</summary>
    void ApplyGradients(int batchSize);

    /// <summary>Samples tokens after <paramref name="prime"/>; returns how many it wrote.</summary>
    int Generate(ReadOnlySpan<int> prime, Span<int> output, float temperature, int seed);
}
