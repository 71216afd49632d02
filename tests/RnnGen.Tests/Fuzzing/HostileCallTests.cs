using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.ExceptionServices;
using RnnGen.Tests.Models;
using Xunit;

namespace RnnGen.Tests.Fuzzing;

/// <summary>
/// Every generated model of this assembly against hostile calls: spans of wrong lengths throw
/// <see cref="ArgumentException"/> and tokens or class targets outside their range
/// <see cref="ArgumentOutOfRangeException"/>, before anything is written (outputs, state, gradients keep their
/// contents). docs/robustness.md.
/// </summary>
public sealed class HostileCallTests
{
    private const int Seed = 20_261_125;

    public static TheoryData<string> AllModels => new(ModelHandle.ModelTypes.Select(t => t.Name).Order(StringComparer.Ordinal));

    public static TheoryData<string> TokenModels => new(ModelHandle.ModelTypes.Where(t => t.GetField("VocabSize") is not null).Select(t => t.Name).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(AllModels))]
    public void Wrong_span_lengths_throw_before_anything_is_written(string model)
    {
        switch (ModelHandle.Create(model))
        {
            case ModelHandle<float> single: WrongLengths(single, 42.5f); break;
            case ModelHandle<double> @double: WrongLengths(@double, 42.5); break;
        }
    }

    [Theory]
    [MemberData(nameof(TokenModels))]
    public void Tokens_outside_the_vocabulary_throw_before_anything_is_written(string model)
    {
        switch (ModelHandle.Create(model))
        {
            case ModelHandle<float> single: BadTokens(single, 42.5f); break;
            case ModelHandle<double> @double: BadTokens(@double, 42.5); break;
        }
    }

    private static void WrongLengths<T>(ModelHandle<T> model, T sentinel)
        where T : unmanaged
    {
        var random = new Random(Seed + model.Name.Sum(c => c));
        int input = model.InputPerSequence, output = model.OutputLength * model.OutputSize;
        foreach (int length in WrongLengthsNear(input, random))
        {
            AssertRejected<ArgumentException>(model, "input", () => Predict(model, new T[length], new int[length], Filled(output, sentinel)));
        }

        foreach (int length in WrongLengthsNear(output, random))
        {
            T[] buffer = Filled(length, sentinel);
            AssertRejected<ArgumentException>(model, "output", () => Predict(model, new T[input], new int[input], buffer));
            Assert.All(buffer, v => Assert.Equal(sentinel, v));
        }

        if (model.HasStep && !model.IsTokens)
        {
            foreach (int length in WrongLengthsNear(model.InputSize, random))
            {
                AssertRejected<ArgumentException>(model, "x", () => Step(model, new T[length], 0, Filled(model.OutputSize, sentinel)));
            }
        }

        if (model.HasStep)
        {
            foreach (int length in WrongLengthsNear(model.OutputSize, random))
            {
                T[] buffer = Filled(length, sentinel);
                AssertRejected<ArgumentException>(model, "y", () => Step(model, new T[model.InputSize], 0, buffer));
                Assert.All(buffer, v => Assert.Equal(sentinel, v));
            }
        }

        if (model.IsTrainable)
        {
            int target = TargetLength(model);
            T[] gradients = Gradients(model);
            foreach (int length in WrongLengthsNear(target, random))
            {
                AssertRejected<ArgumentException>(model, "target", () => Accumulate(model, new T[input], new int[input], new T[length], new int[length]));
            }

            foreach (int length in WrongLengthsNear(input, random))
            {
                AssertRejected<ArgumentException>(model, "input", () => Accumulate(model, new T[length], new int[length], new T[target], new int[target]));
            }

            Assert.Equal(gradients, Gradients(model));
        }
    }

    private static void BadTokens<T>(ModelHandle<T> model, T sentinel)
        where T : unmanaged
    {
        var random = new Random(Seed + model.Name.Sum(c => c));
        int vocab = model.Constant("VocabSize"), output = model.OutputLength * model.OutputSize;
        foreach (int bad in BadValues(vocab, random))
        {
            int[] tokens = new int[model.InputPerSequence];
            int at = random.Next(tokens.Length);
            tokens[at] = bad;
            T[] buffer = Filled(output, sentinel);
            AssertRejected<ArgumentOutOfRangeException>(model, "input", () => Predict(model, [], tokens, buffer));
            Assert.All(buffer, v => Assert.Equal(sentinel, v));

            if (model.HasStep)
            {
                T[] y = Filled(model.OutputSize, sentinel);
                AssertRejected<ArgumentOutOfRangeException>(model, "token", () => Step(model, [], bad, y));
                Assert.All(y, v => Assert.Equal(sentinel, v));
            }

            if (model.IsTrainable)
            {
                int target = TargetLength(model);
                T[] gradients = Gradients(model);
                AssertRejected<ArgumentOutOfRangeException>(model, "input", () => Accumulate(model, [], tokens, new T[target], new int[target]));
                Assert.Equal(gradients, Gradients(model));
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public void Class_targets_outside_the_classes_throw_before_the_gradients_change(string model)
    {
        ModelHandle handle = ModelHandle.Create(model);
        if (!handle.IsTrainable || !handle.HasClassTargets)
        {
            return;
        }

        var random = new Random(Seed + model.Sum(c => c));
        int[] targets = new int[TargetLength(handle)];
        foreach (int bad in BadValues(handle.OutputSize, random).Where(v => v != -100))
        {
            Array.Clear(targets);
            targets[random.Next(targets.Length)] = bad;
            double[] before = handle.GetGradients();
            double[] input = new double[handle.InputPerSequence];
            Assert.Throws<ArgumentOutOfRangeException>(() => handle.Accumulate(input, targets.Select(t => (double)t).ToArray()));
            Assert.Equal(before, handle.GetGradients());
        }
    }

    /// <summary>The target of AccumulateGradients(input, target): per output step, or per input step for
    /// one-to-many models, whose two-span overload is teacher forcing's many-to-many (docs/generative.md).</summary>
    private static int TargetLength(ModelHandle model)
    {
        int steps = ModelHandle.HasMethod(model.Type, "Generate") ? model.SequenceLength : model.OutputLength;
        return model.HasClassTargets ? steps : steps * model.OutputSize;
    }

    /// <summary>Lengths other than <paramref name="expected"/>: the neighbours, empty, double, and a few at random.</summary>
    private static IEnumerable<int> WrongLengthsNear(int expected, Random random) =>
        new[] { 0, expected - 1, expected + 1, 2 * expected, 2 * expected + 1 }
            .Concat(Enumerable.Range(0, 4).Select(_ => random.Next(3 * expected + 2)))
            .Where(n => n >= 0 && n != expected)
            .Distinct();

    /// <summary>Values outside [0, <paramref name="count"/>): the edges, the extremes, and a few at random.</summary>
    private static IEnumerable<int> BadValues(int count, Random random) =>
        new[] { -1, count, count + 1, int.MinValue, int.MaxValue, -100, -101 }
            .Concat(Enumerable.Range(0, 4).Select(_ => random.Next(2) == 0 ? random.Next(count, int.MaxValue) : -random.Next(1, int.MaxValue)))
            .Distinct();

    private static void AssertRejected<TException>(ModelHandle model, string what, Action call)
        where TException : ArgumentException
    {
        Exception? error = Record.Exception(call);
        Assert.True(error is TException, $"{model.Name}: a bad {what} gave {error?.GetType().Name ?? "no exception"}, not {typeof(TException).Name}");
    }

    private static T[] Filled<T>(int length, T value)
    {
        var values = new T[length];
        Array.Fill(values, value);
        return values;
    }

    private static T[] Gradients<T>(ModelHandle<T> model)
        where T : unmanaged =>
        ((SpanGetter<T>)Delegate.CreateDelegate(typeof(SpanGetter<T>), model.Instance, model.Type.GetProperty("Gradients")!.GetMethod!))().ToArray();

    private static void Predict<T>(ModelHandle<T> model, T[] input, int[] tokens, T[] output)
        where T : unmanaged
    {
        if (model.IsTokens)
        {
            ((TokenPredictFunction<T>)Delegate.CreateDelegate(typeof(TokenPredictFunction<T>), model.Instance, "Predict"))(tokens, output);
        }
        else
        {
            ((PredictFunction<T>)Delegate.CreateDelegate(typeof(PredictFunction<T>), model.Instance, "Predict"))(input, output);
        }
    }

    private static void Accumulate<T>(ModelHandle<T> model, T[] input, int[] tokens, T[] target, int[] classes)
        where T : unmanaged
    {
        string method = "AccumulateGradients";
        object instance = model.Instance;
        _ = (model.IsTokens, model.HasClassTargets) switch
        {
            (true, true) => ((AccumulateFunction<int, int, T>)Delegate.CreateDelegate(typeof(AccumulateFunction<int, int, T>), instance, method))(tokens, classes),
            (true, false) => ((AccumulateFunction<int, T, T>)Delegate.CreateDelegate(typeof(AccumulateFunction<int, T, T>), instance, method))(tokens, target),
            (false, true) => ((AccumulateFunction<T, int, T>)Delegate.CreateDelegate(typeof(AccumulateFunction<T, int, T>), instance, method))(input, classes),
            (false, false) => ((AccumulateFunction<T, T, T>)Delegate.CreateDelegate(typeof(AccumulateFunction<T, T, T>), instance, method))(input, target),
        };
    }

    /// <summary>One Step from the zero state, with a real vector or a token as the model takes.</summary>
    private static void Step<T>(ModelHandle<T> model, T[] x, int token, T[] y)
        where T : unmanaged
    {
        string runner = model.IsTokens ? nameof(TokenStep) : nameof(VectorStep);
        MethodInfo step = typeof(HostileCallTests).GetMethod(runner, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(model.StateType!, typeof(T));
        try
        {
            step.Invoke(null, [model.Instance, x, token, y]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
    }

    private static void VectorStep<TState, T>(object instance, T[] x, int token, T[] y)
        where TState : struct
    {
        _ = token;
        TState state = default;
        ((StepFunction<TState, T>)Delegate.CreateDelegate(typeof(StepFunction<TState, T>), instance, "Step"))(ref state, x, y);
    }

    private static void TokenStep<TState, T>(object instance, T[] x, int token, T[] y)
        where TState : struct
    {
        _ = x;
        TState state = default;
        ((TokenStepFunction<TState, T>)Delegate.CreateDelegate(typeof(TokenStepFunction<TState, T>), instance, "Step"))(ref state, token, y);
    }
}
