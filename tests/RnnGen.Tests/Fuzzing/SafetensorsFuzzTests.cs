using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using RnnGen.Tests.Models;
using RnnGen.Tests.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Fuzzing;

/// <summary>
/// Thousands of mutated weight files loaded into generated models, from seekable and forward-only streams. The only
/// exception is <see cref="InvalidDataException"/>; after it the parameters are bit for bit what they were and
/// Predict gives what it gave. A file that must fail fails, and one that must load gives exactly its values (NaN and
/// infinities included).
/// </summary>
public sealed class SafetensorsFuzzTests
{
    private const int Seed = 20_261_124;

    private const int CasesPerModel = 1_000;

    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    private readonly ITestOutputHelper _log;

    public SafetensorsFuzzTests(ITestOutputHelper log) => _log = log;

    /// <summary>Both precisions, token input, every cell, projection and peepholes, biases or none, a stack.</summary>
    public static TheoryData<string> Models => new()
    {
        "RnnManyToOneLinear", "LstmAllOptionsBidi64", "TokenLstmTagger", "GruResetBeforeBidiNoBias", "MixedOptionsStack", "StackedThreeManyToOneLinear64",
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Mutated_files_load_exactly_or_fail_cleanly(string model)
    {
        var clock = Stopwatch.StartNew();
        ModelHandle handle = ModelHandle.Create(model);
        var random = new Random(Seed + model.Sum(c => c));
        double[] input = Enumerable.Range(0, handle.InputPerSequence)
            .Select(i => handle.IsTokens ? i % handle.Constant("VocabSize") : Math.Sin(i))
            .ToArray();
        var mutator = new SafetensorsMutator(handle.Layout, handle.IsDouble, random);
        var failures = new List<string>();
        var outcomes = new Dictionary<LoadExpectation, (int Loaded, int Failed)>();
        for (int index = 0; index < CasesPerModel; index++)
        {
            SafetensorsCase fuzz = mutator.Next();
            bool seekable = index % 2 == 0;
            string? problem = Run(handle, fuzz, seekable, input, out bool loaded);
            if (problem is not null)
            {
                failures.Add($"case {index} ({fuzz.Edit}, {(seekable ? "seekable" : "forward-only")}): {problem}");
            }

            (int l, int f) = outcomes.GetValueOrDefault(fuzz.Expectation);
            outcomes[fuzz.Expectation] = loaded ? (l + 1, f) : (l, f + 1);
        }

        clock.Stop();
        _log.WriteLine($"{model}: {CasesPerModel} cases in {clock.Elapsed.TotalSeconds:F1} s; " +
            string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}: {o.Value.Loaded} loaded, {o.Value.Failed} failed")));
        Assert.True(failures.Count == 0, $"{failures.Count} failing cases:\n" + string.Join("\n", failures.Take(20)));
        Assert.True(clock.Elapsed < Budget, $"took {clock.Elapsed}");
    }

    /// <summary>Loads one case and returns what is wrong, or null; a loaded file's values are then undone.</summary>
    private static string? Run(ModelHandle handle, SafetensorsCase fuzz, bool seekable, double[] input, out bool loaded)
    {
        byte[] before = ParameterBytes(handle);
        long[] predicted = Bits(handle.Predict(input));
        Stream stream = seekable ? new MemoryStream(fuzz.File) : new ForwardOnlyStream(fuzz.File);
        Exception? error = null;
        try
        {
            handle.Load(stream);
        }
        catch (Exception e)
        {
            error = e;
        }

        loaded = error is null;
        if (error is not null)
        {
            if (error is not InvalidDataException)
            {
                return "threw " + error;
            }

            if (!ParameterBytes(handle).AsSpan().SequenceEqual(before))
            {
                return "a failed load changed the parameters: " + error.Message;
            }

            if (!Bits(handle.Predict(input)).AsSpan().SequenceEqual(predicted))
            {
                return "a failed load changed what Predict gives: " + error.Message;
            }

            return fuzz.Expectation == LoadExpectation.MustLoad ? "a valid file failed: " + error.Message : null;
        }

        string? wrong = fuzz.Expectation switch
        {
            LoadExpectation.MustFail => "an invalid file loaded",
            LoadExpectation.MustLoad => CheckValues(handle, fuzz.Image),
            _ => null,
        };
        Restore(handle, before);
        return wrong;
    }

    /// <summary>Each parameter holds its tensor's value, converted as documented (NaN as NaN).</summary>
    private static string? CheckValues(ModelHandle handle, SafetensorsImage image)
    {
        double[] actual = handle.GetParameters();
        foreach (ParameterInfo parameter in handle.Layout)
        {
            double[] values = image.Tensors.Single(t => t.Name == parameter.Name).Values;
            for (int i = 0; i < parameter.Length; i++)
            {
                double expected = handle.IsDouble ? values[i] : (float)values[i];
                if (!expected.Equals(actual[parameter.Offset + i]))
                {
                    return $"'{parameter.Name}'[{i}] is {actual[parameter.Offset + i]:R}, the file holds {values[i]:R}";
                }
            }
        }

        return null;
    }

    private static byte[] ParameterBytes(ModelHandle handle) => handle switch
    {
        ModelHandle<float> single => MemoryMarshal.AsBytes(single.Parameters).ToArray(),
        ModelHandle<double> @double => MemoryMarshal.AsBytes(@double.Parameters).ToArray(),
        _ => throw new NotSupportedException(handle.Name),
    };

    private static void Restore(ModelHandle handle, byte[] parameters)
    {
        Span<byte> target = handle switch
        {
            ModelHandle<float> single => MemoryMarshal.AsBytes(single.Parameters),
            ModelHandle<double> @double => MemoryMarshal.AsBytes(@double.Parameters),
            _ => throw new NotSupportedException(handle.Name),
        };
        parameters.CopyTo(target);
        handle.ParametersChanged();
    }

    private static long[] Bits(double[] values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();
}
