using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace RnnGen.Demo;

/// <summary>
/// What PyTorch computed for the committed weights on the fresh set (jump_detector.reference.json, written by
/// src/python/train_jump.py): its accuracy, and the probabilities of the first sequences, the float32 weights
/// evaluated in float64.
/// </summary>
public sealed record PyTorchReference(int Seed, int Count, int Correct, double Accuracy, double[] Probabilities, int[] Labels)
{
    /// <summary>The file's name next to the weights.</summary>
    public const string FileName = "jump_detector.reference.json";

    /// <summary>Reads the reference file.</summary>
    /// <param name="path">The json file.</param>
    /// <returns>The reference.</returns>
    /// <exception cref="InvalidDataException">The file lacks a field or has one of the wrong kind.</exception>
    public static PyTorchReference Load(string path)
    {
        using FileStream stream = File.OpenRead(path);
        try
        {
            using JsonDocument document = JsonDocument.Parse(stream);
            JsonElement root = document.RootElement;
            double[] probabilities = Array(root, "probabilities", e => e.GetDouble());
            int[] labels = Array(root, "labels", e => e.GetInt32());
            if (labels.Length != probabilities.Length)
            {
                throw new InvalidDataException($"{path}: {probabilities.Length} probabilities but {labels.Length} labels");
            }

            return new PyTorchReference(
                root.GetProperty("seed").GetInt32(),
                root.GetProperty("count").GetInt32(),
                root.GetProperty("correct").GetInt32(),
                root.GetProperty("accuracy").GetDouble(),
                probabilities,
                labels);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: not a reference file of train_jump.py ({e.Message})", e);
        }
    }

    private static T[] Array<T>(JsonElement root, string name, Func<JsonElement, T> read)
    {
        JsonElement array = root.GetProperty(name);
        var values = new T[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement element in array.EnumerateArray())
        {
            values[i++] = read(element);
        }

        return values;
    }
}
