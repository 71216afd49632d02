using System;
using System.Threading.Tasks;

namespace RnnGen.Generative;

/// <summary>
/// Teacher forcing on windows of a token stream: each step draws <c>batchSize</c> windows of SequenceLength + 1 tokens
/// at uniformly random offsets and takes one optimizer step on their mean loss.
/// </summary>
/// <remarks>
/// Data-parallel over two copies of the model, whatever the machine: the first half of each batch accumulates its
/// gradients on the model, the second half on a replica (on another thread when there is a second core); the replica's
/// gradients are added to the model's, the model steps and the replica takes its parameters. The work is split the same
/// way on one core or many, so a seed gives the same weights everywhere.
/// </remarks>
/// <typeparam name="TModel">A generated one-to-many token model with a training section.</typeparam>
public sealed class WindowTrainer<TModel>
    where TModel : class, ITokenModel
{
    private readonly TModel _replica;
    private readonly int[] _stream;
    private readonly int _windowLength;
    private readonly Random _random;
    private int[] _starts = [];

    /// <summary>Trains <paramref name="model"/>; <paramref name="replica"/> is a second instance of the same class.</summary>
    /// <param name="model">The model that learns.</param>
    /// <param name="replica">A second instance, used for half of every batch; its parameters are overwritten.</param>
    /// <param name="stream">The training tokens.</param>
    /// <param name="windowLength">The model's SequenceLength + 1.</param>
    /// <param name="seed">Seeds the choice of windows.</param>
    public WindowTrainer(TModel model, TModel replica, int[] stream, int windowLength, int seed)
    {
        if (stream.Length <= windowLength)
        {
            throw new ArgumentException($"the stream has {stream.Length} tokens, fewer than a window of {windowLength}", nameof(stream));
        }

        Model = model;
        _replica = replica;
        _stream = stream;
        _windowLength = windowLength;
        _random = new Random(seed);
        Synchronize();
    }

    /// <summary>The model that learns.</summary>
    public TModel Model { get; }

    /// <summary>Optimizer steps taken.</summary>
    public int Steps { get; private set; }

    /// <summary>Windows trained on.</summary>
    public long Windows { get; private set; }

    /// <summary>One optimizer step on <paramref name="batchSize"/> random windows (at least 2); returns their mean loss.</summary>
    public float Step(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 2);
        if (_starts.Length != batchSize)
        {
            _starts = new int[batchSize];
        }

        for (int i = 0; i < batchSize; i++)
        {
            _starts[i] = _random.Next(_stream.Length - _windowLength + 1);
        }

        int half = batchSize / 2;
        float replicaLoss = 0;
        float modelLoss = 0;
        Parallel.Invoke(
            () => modelLoss = Accumulate(Model, 0, half),
            () => replicaLoss = Accumulate(_replica, half, batchSize));

        Span<float> gradients = Model.Gradients;
        ReadOnlySpan<float> replicaGradients = _replica.Gradients;
        for (int i = 0; i < gradients.Length; i++)
        {
            gradients[i] += replicaGradients[i];
        }

        _replica.ZeroGradients();
        Model.ApplyGradients(batchSize);
        Synchronize();
        Steps++;
        Windows += batchSize;
        return (modelLoss + replicaLoss) / batchSize;
    }

    private float Accumulate(TModel model, int from, int to)
    {
        float loss = 0;
        for (int i = from; i < to; i++)
        {
            loss += model.AccumulateGradients(_stream.AsSpan(_starts[i], _windowLength));
        }

        return loss;
    }

    private void Synchronize()
    {
        Model.Parameters.CopyTo(_replica.Parameters);
        _replica.ParametersChanged();
    }
}
