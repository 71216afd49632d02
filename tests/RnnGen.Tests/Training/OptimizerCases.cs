using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Text.Json;

namespace RnnGen.Tests.Training;

/// <summary>The optimizer cases of optimizers.safetensors: hyperparameters, learning rate before each step, the
/// starting parameters, the gradients of the 5 steps and PyTorch's parameters after each step.</summary>
internal static class OptimizerCases
{
    public const int Steps = 5;

    public static IEnumerable<object[]> Names() =>
        TrainingFixtures.Optimizers.Cases().Select(c => new object[] { c.GetProperty("name").GetString()! });

    public static JsonElement Case(string name) =>
        TrainingFixtures.Optimizers.Cases().Single(c => c.GetProperty("name").GetString() == name);

    public static int Count => int.Parse(TrainingFixtures.Optimizers.Metadata("count"), System.Globalization.CultureInfo.InvariantCulture);

    public static double[] LearningRates(string name) =>
        Case(name).GetProperty("learning_rates").EnumerateArray().Select(e => e.GetDouble()).ToArray();

    /// <summary>The optimizer of the case, built with the case's first learning rate, for <paramref name="count"/>
    /// parameters (by default the fixture's).</summary>
    public static Optimizer<T> Create<T>(string name, int count = -1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        count = count < 0 ? Count : count;
        JsonElement c = Case(name);
        double rate = LearningRates(name)[0];
        double Number(string key) => c.GetProperty(key).GetDouble();
        return c.GetProperty("optimizer").GetString() switch
        {
            "sgd" => new Sgd<T>(count, rate, Number("momentum"), Number("dampening"), c.GetProperty("nesterov").GetBoolean(), Number("weight_decay")),
            "adam" => new Adam<T>(count, rate, Number("beta1"), Number("beta2"), Number("eps"), Number("weight_decay")),
            var other => throw new InvalidOperationException($"unknown optimizer {other}"),
        };
    }

    public static T[] InitialParameters<T>()
        where T : unmanaged, IFloatingPointIeee754<T> => TrainingFixtures.Optimizers.Input<T>("params0");

    /// <summary>The gradient of step <paramref name="step"/> (0-based).</summary>
    public static T[] Gradient<T>(int step)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        TrainingFixtures.Optimizers.Input<T>("grads").AsSpan(step * Count, Count).ToArray();

    /// <summary>PyTorch's parameters after step <paramref name="step"/> (0-based), as doubles.</summary>
    public static double[] Expected<T>(string name, int step) =>
        TrainingFixtures.Optimizers.Expected<T>(name).AsSpan(step * Count, Count).ToArray();

    public static double[] ToDoubles<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = double.CreateTruncating(values[i]);
        }

        return result;
    }
}
