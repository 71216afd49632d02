using System;
using RnnGen.Benchmarks.Models;
using RnnGen.Benchmarks.Naive;

namespace RnnGen.Benchmarks;

/// <summary>The benchmark models by cell and hidden size: the generated classes of Specs/*.rnn.yaml and their naive twins.</summary>
public static class ModelCatalog
{
    /// <summary>Time steps per sequence in every spec.</summary>
    public const int SequenceLength = 100;

    /// <summary>The hidden sizes with a spec (the input size equals the hidden size).</summary>
    public static readonly int[] HiddenSizes = [8, 16, 32, 64, 128, 256];

    /// <summary>A generated model with parameters drawn from seed 0.</summary>
    public static ITrainableModel Generated(Cell cell, int hidden) => (cell, hidden) switch
    {
        (Cell.Lstm, 8) => new Lstm8(),
        (Cell.Lstm, 16) => new Lstm16(),
        (Cell.Lstm, 32) => new Lstm32(),
        (Cell.Lstm, 64) => new Lstm64(),
        (Cell.Lstm, 128) => new Lstm128(),
        (Cell.Lstm, 256) => new Lstm256(),
        (Cell.Gru, 8) => new Gru8(),
        (Cell.Gru, 16) => new Gru16(),
        (Cell.Gru, 32) => new Gru32(),
        (Cell.Gru, 64) => new Gru64(),
        (Cell.Gru, 128) => new Gru128(),
        (Cell.Gru, 256) => new Gru256(),
        _ => throw new ArgumentOutOfRangeException(nameof(hidden), hidden, $"No {cell} spec of this hidden size."),
    };

    /// <summary>The naive implementation with the parameters of <paramref name="generated"/> copied in.</summary>
    public static IRecurrentModel Naive(Cell cell, int hidden, IRecurrentModel generated)
    {
        IRecurrentModel naive = cell == Cell.Lstm
            ? new NaiveLstm(hidden, hidden, SequenceLength)
            : new NaiveGru(hidden, hidden, SequenceLength);
        CopyParameters(generated, naive);
        return naive;
    }

    /// <summary>Copies every parameter of <paramref name="from"/> into <paramref name="to"/>.</summary>
    public static void CopyParameters(IRecurrentModel from, IRecurrentModel to)
    {
        if (from.Parameters.Length != to.Parameters.Length)
        {
            throw new InvalidOperationException($"Parameter layouts differ: {from.Parameters.Length} and {to.Parameters.Length} values.");
        }

        from.Parameters.CopyTo(to.Parameters);
        to.ParametersChanged();
    }

    /// <summary>Deterministic values in [-1, 1).</summary>
    public static float[] RandomValues(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (2f * random.NextSingle()) - 1f;
        }

        return values;
    }
}
