using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using RnnGen.Tests.Models;
using RnnGen.Tests.Package;
using Xunit;

namespace RnnGen.Tests.Fuzzing;

/// <summary>
/// NaN and infinities in the input, as docs/robustness.md documents them: no exception; NaN reaches every output
/// it feeds; an infinity saturates the tanh and sigmoid it passes through, so the output stays finite (but for relu
/// cells, which do not saturate); and nothing of either stays behind for the next call.
/// </summary>
public sealed class NonFiniteInputTests
{
    private static readonly Lazy<HashSet<string>> s_reluModels = new(FindReluModels);

    public static TheoryData<string> VectorModels => new(ModelHandle.ModelTypes.Where(t => t.GetField("VocabSize") is null).Select(t => t.Name).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(VectorModels))]
    public void NaN_in_every_step_makes_every_output_NaN_and_leaves_no_trace(string model)
    {
        ModelHandle handle = ModelHandle.Create(model);
        double[] clean = CleanInput(handle);
        long[] expected = Bits(handle.Predict(clean));

        double[] poisoned = (double[])clean.Clone();
        for (int t = 0; t < handle.SequenceLength; t++)
        {
            poisoned[(t * handle.InputSize) + (t % handle.InputSize)] = double.NaN;
        }

        Assert.All(handle.Predict(poisoned), value => Assert.True(double.IsNaN(value), $"{model}: {value} where NaN was expected"));
        Assert.Equal(expected, Bits(handle.Predict(clean)));
    }

    [Theory]
    [MemberData(nameof(VectorModels))]
    public void An_infinite_feature_saturates_and_leaves_no_trace(string model)
    {
        ModelHandle handle = ModelHandle.Create(model);
        double[] clean = CleanInput(handle);
        long[] expected = Bits(handle.Predict(clean));

        foreach (double infinity in new[] { double.PositiveInfinity, double.NegativeInfinity })
        {
            double[] input = (double[])clean.Clone();
            for (int t = 0; t < handle.SequenceLength; t++)
            {
                input[t * handle.InputSize] = infinity;
            }

            double[] output = handle.Predict(input);
            if (!s_reluModels.Value.Contains(model))
            {
                Assert.All(output, value => Assert.True(double.IsFinite(value), $"{model}: {value} for an input of {infinity}"));
            }
        }

        Assert.Equal(expected, Bits(handle.Predict(clean)));
    }

    private static double[] CleanInput(ModelHandle handle) =>
        Enumerable.Range(0, handle.InputPerSequence).Select(i => Math.Sin(i + 1)).ToArray();

    private static long[] Bits(double[] values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();

    /// <summary>Models with a relu cell, read from the specs of the repository.</summary>
    private static HashSet<string> FindReluModels()
    {
        string[] folders = ["specs", "tests/RnnGen.Tests/Fixtures", "tests/RnnGen.Tests/Specs"];
        return folders
            .SelectMany(folder => Directory.GetFiles(Path.Combine(RepositoryRoot.Path, folder), "*.rnn.yaml"))
            .Select(File.ReadAllText)
            .Where(text => Regex.IsMatch(text, @"^\s*activation:\s*relu\b", RegexOptions.Multiline))
            .Select(text => Regex.Match(text, @"^model:\s*(\w+)", RegexOptions.Multiline).Groups[1].Value)
            .ToHashSet(StringComparer.Ordinal);
    }
}
