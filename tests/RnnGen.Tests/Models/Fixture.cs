using System;
using System.IO;
using System.Linq;

namespace RnnGen.Tests.Models;

/// <summary>
/// A PyTorch fixture (docs/fixtures.md): the weights file the mirror wrote, and a batch of inputs
/// with the outputs the mirror computed from them in float64.
/// </summary>
public sealed class Fixture
{
    private Fixture(string name, double[] input, double[] output, int batch, int steps, int inputSize, int outputLength, int outputSize)
    {
        Name = name;
        Input = input;
        Output = output;
        Batch = batch;
        Steps = steps;
        InputSize = inputSize;
        OutputLength = outputLength;
        OutputSize = outputSize;
    }

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public string Name { get; }

    public double[] Input { get; }

    public double[] Output { get; }

    public int Batch { get; }

    public int Steps { get; }

    public int InputSize { get; }

    public int OutputLength { get; }

    public int OutputSize { get; }

    public string WeightsPath => Path.Combine(Directory, Name + ".safetensors");

    public int InputPerSequence => Steps * InputSize;

    public int OutputPerSequence => OutputLength * OutputSize;

    public static Fixture Load(string name)
    {
        using FileStream stream = File.OpenRead(Path.Combine(Directory, name + ".expected.safetensors"));
        SafetensorsFile file = SafetensorsFile.Read(stream);
        SafetensorsTensor input = file["input"];
        SafetensorsTensor output = file["output"];
        // Token fixtures store ids as [N, T]; vector fixtures features as [N, T, I].
        int inputSize = input.Shape.Count == 3 ? input.Shape[2] : 1;
        return new Fixture(name, input.ToDoubleArray(), output.ToDoubleArray(), input.Shape[0], input.Shape[1], inputSize, output.Shape[1], output.Shape[2]);
    }

    public double[] InputOf(int sequence) => Input.AsSpan(sequence * InputPerSequence, InputPerSequence).ToArray();

    /// <summary>Every fixture the mirror wrote (Fixtures/*.expected.safetensors), by model name.</summary>
    public static System.Collections.Generic.IEnumerable<string> All => System.IO.Directory
        .GetFiles(Directory, "*.expected.safetensors")
        .Select(p => Path.GetFileName(p)[..^".expected.safetensors".Length])
        .OrderBy(n => n, StringComparer.Ordinal);

    public ReadOnlySpan<double> OutputOf(int sequence) => Output.AsSpan(sequence * OutputPerSequence, OutputPerSequence);

    public static T[] Convert<T>(ReadOnlySpan<double> values)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            return (T[])(object)values.ToArray().Select(v => (float)v).ToArray();
        }

        return (T[])(object)values.ToArray();
    }

    public static double[] ToDoubles<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = typeof(T) == typeof(float) ? (float)(object)values[i] : (double)(object)values[i];
        }

        return result;
    }
}
