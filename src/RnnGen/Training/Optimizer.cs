using System;
using System.Collections.Generic;
using System.IO;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// A <c>torch.optim</c> optimizer (PyTorch 1.13, single-tensor path: <c>foreach=None</c>, <c>maximize=False</c>) over a
/// model's flat parameter vector, one instance per model. It computes in the parameters' own precision with
/// PyTorch's operations and roundings (fused multiply-adds where PyTorch's CPU kernels fuse), so float32 training
/// follows PyTorch's float32 training step for step. Its training state (step count, learning rate, buffers) is
/// saved and loaded as a safetensors file, bit-exact (docs/training-runtime.md).
/// </summary>
/// <typeparam name="T">The parameters' element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
public abstract class Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private double _learningRate;

    private protected Optimizer(int parameterCount, double learningRate)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw new NotSupportedException($"Optimizers work on float and double parameters, not {typeof(T).Name}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        ParameterCount = parameterCount;
        CheckLearningRate(learningRate, nameof(learningRate));
        _learningRate = learningRate;
    }

    /// <summary>The length of the parameter and gradient vectors given at construction.</summary>
    public int ParameterCount { get; }

    /// <summary>The learning rate (<c>lr</c>), read by every <see cref="Step"/>: a change takes effect on the next
    /// step, as writing <c>param_groups[0]['lr']</c> does in PyTorch.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not finite and positive.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            CheckLearningRate(value, nameof(value));
            _learningRate = value;
        }
    }

    /// <summary>The number of steps taken (including those of a loaded training state).</summary>
    public long StepCount { get; private protected set; }

    /// <summary>Takes one optimizer step: updates <paramref name="parameters"/> in place from
    /// <paramref name="gradients"/> and the optimizer's buffers. Allocates nothing.</summary>
    /// <param name="parameters">The model's flat parameters, <see cref="ParameterCount"/> long.</param>
    /// <param name="gradients">dLoss/d(parameters), laid out like <paramref name="parameters"/>; not modified.</param>
    /// <exception cref="ArgumentException">A span's length is not <see cref="ParameterCount"/>; nothing changes.</exception>
    public abstract void Step(Span<T> parameters, ReadOnlySpan<T> gradients);

    /// <summary>Writes the training state as a safetensors file: metadata <c>optimizer</c> (the kind),
    /// <c>dtype</c>, <c>parameter_count</c>, <c>step</c>, <c>learning_rate</c> and the hyperparameters, and every
    /// buffer as a 1-D tensor in the parameters' precision. Loading it back restores the state bit for bit.</summary>
    /// <param name="stream">The destination; it is not closed.</param>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var metadata = new List<KeyValuePair<string, string>>
        {
            new(TrainingStateFile.OptimizerKey, Kind),
            new(TrainingStateFile.DTypeKey, SafetensorsDTypes.Name(TrainingStateFile.DTypeOf<T>())),
            new(TrainingStateFile.ParameterCountKey, TrainingStateFile.Format(ParameterCount)),
            new(TrainingStateFile.StepKey, TrainingStateFile.Format(StepCount)),
            new(TrainingStateFile.LearningRateKey, TrainingStateFile.Format(LearningRate)),
        };
        foreach (Hyperparameter hyperparameter in Hyperparameters)
        {
            metadata.Add(new(hyperparameter.Name, TrainingStateFile.Format(hyperparameter)));
        }

        TrainingStateFile.Write(stream, metadata, Buffers);
    }

    /// <summary>Restores a training state written by <see cref="Save"/>: step count, learning rate and buffers. The
    /// file must be of this optimizer's kind, element type and parameter count, with the same hyperparameters (the
    /// buffers were accumulated under them) and exactly this optimizer's buffers; other metadata is ignored.</summary>
    /// <param name="stream">A safetensors file; it need not be seekable and is not closed.</param>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file or does not fit this
    /// optimizer; the message says what differs. The state is then unchanged.</exception>
    public void Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        SafetensorsFile file = SafetensorsFile.Read(stream);

        string kind = TrainingStateFile.RequireText(file, TrainingStateFile.OptimizerKey);
        if (kind != Kind)
        {
            throw new InvalidDataException($"The training state is of optimizer '{kind}'; this optimizer is '{Kind}'.");
        }

        SafetensorsDType dtype = TrainingStateFile.DTypeOf<T>();
        string dtypeText = TrainingStateFile.RequireText(file, TrainingStateFile.DTypeKey);
        if (dtypeText != SafetensorsDTypes.Name(dtype))
        {
            throw new InvalidDataException($"The training state holds {dtypeText} values; this optimizer's are {SafetensorsDTypes.Name(dtype)}.");
        }

        long count = TrainingStateFile.RequireInteger(file, TrainingStateFile.ParameterCountKey);
        if (count != ParameterCount)
        {
            throw new InvalidDataException($"The training state is for {count} parameters; this optimizer has {ParameterCount}.");
        }

        long step = TrainingStateFile.RequireInteger(file, TrainingStateFile.StepKey);
        double learningRate = TrainingStateFile.RequireNumber(file, TrainingStateFile.LearningRateKey);
        if (!(double.IsFinite(learningRate) && learningRate > 0.0))
        {
            throw new InvalidDataException($"The training state's learning rate is {TrainingStateFile.Format(learningRate)}; it must be finite and positive.");
        }

        foreach (Hyperparameter hyperparameter in Hyperparameters)
        {
            TrainingStateFile.RequireEqual(file, hyperparameter);
        }

        IReadOnlyList<(string Name, T[] Values)> buffers = Buffers;
        var tensors = new SafetensorsTensor[buffers.Count];
        for (int i = 0; i < buffers.Count; i++)
        {
            tensors[i] = MatchBuffer(file, buffers[i].Name, dtype);
        }

        if (file.Tensors.Count != buffers.Count)
        {
            foreach (SafetensorsTensor tensor in file.Tensors)
            {
                if (Array.IndexOf(tensors, tensor) < 0)
                {
                    throw new InvalidDataException($"The training state has tensor '{tensor.Name}', which is not a buffer of this optimizer.");
                }
            }
        }

        // Everything is checked: nothing below can fail, so the state changes completely or not at all.
        for (int i = 0; i < buffers.Count; i++)
        {
            TrainingStateFile.CopyTo(tensors[i], buffers[i].Values);
        }

        StepCount = step;
        _learningRate = learningRate;
    }

    /// <summary>The kind recorded in the training state: <c>sgd</c> or <c>adam</c>.</summary>
    private protected abstract string Kind { get; }

    /// <summary>The fixed settings recorded in the training state and required to match on load.</summary>
    private protected abstract IReadOnlyList<Hyperparameter> Hyperparameters { get; }

    /// <summary>The state buffers, each <see cref="ParameterCount"/> long, under their training-state names.</summary>
    private protected abstract IReadOnlyList<(string Name, T[] Values)> Buffers { get; }

    /// <summary>The scalar form PyTorch's kernels use for a Python float argument: rounded to the tensor's dtype.</summary>
    private protected static T Scalar(double value) => T.CreateTruncating(value);

    private protected void CheckStepArguments(int parameters, int gradients)
    {
        if (parameters != ParameterCount || gradients != ParameterCount)
        {
            throw new ArgumentException($"The optimizer was made for {ParameterCount} parameters; it was given {parameters} parameters and {gradients} gradients.");
        }
    }

    private protected static void CheckSetting(bool valid, double value, string name, string requirement)
    {
        if (!valid)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be {requirement}.");
        }
    }

    private static void CheckLearningRate(double value, string name)
    {
        if (!(double.IsFinite(value) && value > 0.0))
        {
            throw new ArgumentOutOfRangeException(name, value, "The learning rate must be finite and positive.");
        }
    }

    private SafetensorsTensor MatchBuffer(SafetensorsFile file, string name, SafetensorsDType dtype)
    {
        if (!file.TryGetTensor(name, out SafetensorsTensor? tensor))
        {
            throw new InvalidDataException($"The training state has no tensor '{name}', a buffer of this optimizer.");
        }

        if (tensor.DType != dtype)
        {
            throw new InvalidDataException($"Tensor '{name}' of the training state is {SafetensorsDTypes.Name(tensor.DType)}; this optimizer needs {SafetensorsDTypes.Name(dtype)}.");
        }

        if (tensor.Shape.Count != 1 || tensor.Shape[0] != ParameterCount)
        {
            throw new InvalidDataException($"Tensor '{name}' of the training state has shape {ShapeText.Format(tensor.Shape)}; this optimizer needs [{ParameterCount}].");
        }

        return tensor;
    }
}
