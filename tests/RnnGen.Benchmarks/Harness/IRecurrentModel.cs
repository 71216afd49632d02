using System;

namespace RnnGen.Benchmarks;

/// <summary>
/// What a benchmark calls on a model, generated or naive. Both sides are called through this interface, so they pay
/// the same dispatch cost (one interface call per operation, ~1 ns) and the ratio compares their bodies only.
/// </summary>
public interface IRecurrentModel
{
    /// <summary>Every parameter, flat, in the generated class's layout (PyTorch's state_dict order).</summary>
    Span<float> Parameters { get; }

    /// <summary>Recomputes what the model derives from <see cref="Parameters"/>.</summary>
    void ParametersChanged();

    /// <summary>Runs one sequence of T steps from the zero state: input [T, H] -> output [1].</summary>
    void Predict(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Runs N sequences one after another (inputs [N, T, H] -> outputs [N]); naive models loop over Predict.</summary>
    void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        int sequence = inputs.Length / outputs.Length;
        for (int i = 0; i < outputs.Length; i++)
        {
            Predict(inputs.Slice(i * sequence, sequence), outputs.Slice(i, 1));
        }
    }

    /// <summary>The same batch on up to <paramref name="degreeOfParallelism"/> threads (generated models only).</summary>
    void PredictBatch(ReadOnlyMemory<float> inputs, Memory<float> outputs, ReadOnlyMemory<int> lengths, int degreeOfParallelism) =>
        throw new NotSupportedException("Only the generated models run a batch on several threads.");

    /// <summary>Sets the state that <see cref="Advance"/> carries to zero.</summary>
    void ResetState();

    /// <summary>One step of the model's own state: x [H] -> y [1], the head's output at this step.</summary>
    void Advance(ReadOnlySpan<float> x, Span<float> y);
}

/// <summary>A model with a training section: MSE loss, Adam.</summary>
public interface ITrainableModel : IRecurrentModel
{
    /// <summary>dL/dθ summed over <see cref="AccumulateGradients"/> calls, laid out like <see cref="IRecurrentModel.Parameters"/>.</summary>
    Span<float> Gradients { get; }

    /// <summary>Sets every gradient to zero.</summary>
    void ZeroGradients();

    /// <summary>Adds the gradient of one sequence's loss to <see cref="Gradients"/>; returns the loss.</summary>
    float AccumulateGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> target);

    /// <summary>Adds the gradients of N sequences (full length) to <see cref="Gradients"/>; returns their mean loss (generated models only).</summary>
    float AccumulateGradientsBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> lengths) =>
        throw new NotSupportedException("Only the generated models train a batch.");

    /// <summary>The same batch on up to <paramref name="degreeOfParallelism"/> threads (generated models only).</summary>
    float AccumulateGradientsBatch(ReadOnlyMemory<float> inputs, ReadOnlyMemory<float> targets, ReadOnlyMemory<int> lengths, int degreeOfParallelism) =>
        throw new NotSupportedException("Only the generated models train a batch on several threads.");

    /// <summary>Zeroes the gradients, accumulates one sequence's and takes one Adam step; returns the loss before the step.</summary>
    float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> target);
}
