using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;

namespace RnnGen.Tests.Models;

public delegate void PredictFunction<T>(ReadOnlySpan<T> input, Span<T> output);

public delegate void TokenPredictFunction<T>(ReadOnlySpan<int> tokens, Span<T> output);

public delegate Span<T> SpanGetter<T>();

public delegate void StepFunction<TState, T>(ref TState state, ReadOnlySpan<T> x, Span<T> y);

public delegate void TokenStepFunction<TState, T>(ref TState state, int token, Span<T> y);

public delegate void PredictBatchFunction<TInput, T>(ReadOnlySpan<TInput> inputs, Span<T> outputs, ReadOnlySpan<int> lengths);

public delegate T AccumulateFunction<TInput, TTarget, T>(ReadOnlySpan<TInput> input, ReadOnlySpan<TTarget> target);

public delegate T AccumulateBatchFunction<TInput, TTarget, T>(ReadOnlySpan<TInput> inputs, ReadOnlySpan<TTarget> targets, ReadOnlySpan<int> lengths);

public delegate T AccumulateThreadsFunction<TInput, TTarget, T>(ReadOnlyMemory<TInput> inputs, ReadOnlyMemory<TTarget> targets, ReadOnlyMemory<int> lengths, int degreeOfParallelism);

public delegate void PredictStatesFunction<TInput, T>(ReadOnlySpan<TInput> input, Span<T> output, int length, ReadOnlySpan<T> h0, ReadOnlySpan<T> c0, Span<T> hn, Span<T> cn);

public delegate T AccumulateStatesFunction<TInput, TTarget, T>(ReadOnlySpan<TInput> input, ReadOnlySpan<TTarget> target, int length, ReadOnlySpan<T> h0, ReadOnlySpan<T> c0, Span<T> dh0, Span<T> dc0);

/// <summary>
/// Drives any generated model of this assembly by its class name, through delegates bound to its
/// public API (spans cannot pass through reflection), with values as doubles. Lets one test cover
/// every fixture, including ones added later, without hand-written adapters.
/// </summary>
public abstract class ModelHandle
{
    protected ModelHandle(object instance)
    {
        Instance = instance;
        Type = instance.GetType();
    }

    public object Instance { get; }

    public Type Type { get; }

    public string Name => Type.Name;

    public bool IsTokens => Type.GetField("VocabSize") is not null;

    public Type? StateType => Type.GetNestedType("State");

    public bool HasStep => StateType is not null;

    public abstract bool IsDouble { get; }

    public int InputSize => Constant("InputSize");

    public int SequenceLength => Constant("SequenceLength");

    public int OutputSize => Constant("OutputSize");

    public int OutputLength => Constant("OutputLength");

    public int ParameterCount => Constant("ParameterCount");

    public int InputPerSequence => IsTokens ? SequenceLength : SequenceLength * InputSize;

    public IReadOnlyList<ParameterInfo> Layout => (IReadOnlyList<ParameterInfo>)Type.GetProperty("ParameterLayout")!.GetValue(null)!;

    public static bool HasMethod(Type type, string name) => type.GetMethods().Any(m => m.Name == name);

    /// <summary>Every generated model of the other modes; encoder-decoder models have their own tests (tests/RnnGen.Tests/EncoderDecoder).</summary>
    public static IEnumerable<Type> ModelTypes => typeof(ModelHandle).Assembly.GetTypes()
        .Where(t => t.GetProperty("ParameterLayout", BindingFlags.Public | BindingFlags.Static) is not null && !IsEncoderDecoder(t));

    /// <summary>Encoder-decoder models are the ones with a decoder input.</summary>
    public static bool IsEncoderDecoder(Type type) => type.GetField("DecoderInputSize") is not null;

    public static ModelHandle Create(string className, int? seed = null)
    {
        Type type = ModelTypes.Single(t => t.Name == className);
        object instance = seed is { } s ? Activator.CreateInstance(type, s)! : Activator.CreateInstance(type)!;
        Type element = type.GetProperty("Parameters")!.PropertyType.GetGenericArguments()[0];
        return element == typeof(float) ? new ModelHandle<float>(instance) : new ModelHandle<double>(instance);
    }

    public int Constant(string name) => (int)Type.GetField(name)!.GetRawConstantValue()!;

    /// <summary>Runs Predict on one sequence (real features, or token ids held as doubles).</summary>
    public abstract double[] Predict(double[] input);

    /// <summary>PredictBatch over N sequences laid out one after another; <paramref name="lengths"/> null runs them in full.</summary>
    public abstract double[] PredictBatch(double[] inputs, int[]? lengths);

    public int HiddenStateSize => Constant("HiddenStateSize");

    public int CellStateSize => Constant("CellStateSize");

    /// <summary>Predict over the first <paramref name="length"/> steps from h0/c0 (null: empty spans); returns output, hn, cn.</summary>
    public abstract (double[] Output, double[] Hn, double[] Cn) PredictStates(double[] input, int length, double[]? h0, double[]? c0);

    /// <summary>AccumulateGradients over the first <paramref name="length"/> steps from h0/c0; returns the loss, dL/dh0, dL/dc0.</summary>
    public abstract (double Loss, double[] Dh0, double[] Dc0) AccumulateStates(double[] input, double[] target, int length, double[]? h0, double[]? c0);

    /// <summary>Runs Step over one sequence from the zero state; every step's output, [T, OutputSize].</summary>
    public abstract double[] RunSteps(double[] input);

    public abstract double[] GetParameters();

    public abstract void SetParameters(double[] values);

    public bool IsTrainable => HasMethod(Type, "AccumulateGradients");

    /// <summary>Whether the targets are class ids (cross_entropy) rather than reals.</summary>
    public bool HasClassTargets => Type.GetMethods().First(m => m.Name == "AccumulateGradients" && m.GetParameters().Length == 2).GetParameters()[1].ParameterType == typeof(ReadOnlySpan<int>);

    /// <summary>AccumulateGradients on one sequence; targets as doubles (class ids held exactly).</summary>
    public abstract double Accumulate(double[] input, double[] target);

    /// <summary>TrainStep on one sequence; the loss before the step.</summary>
    public abstract double TrainStep(double[] input, double[] target);

    /// <summary>AccumulateGradientsBatch over N sequences (null lengths: all full); returns the mean loss.</summary>
    public abstract double AccumulateBatch(double[] inputs, double[] targets, int[]? lengths);

    /// <summary>The threaded AccumulateGradientsBatch overload with <paramref name="degreeOfParallelism"/>.</summary>
    public abstract double AccumulateBatch(double[] inputs, double[] targets, int[]? lengths, int degreeOfParallelism);

    public abstract double[] GetGradients();

    public void ZeroGradients() => Type.GetMethod("ZeroGradients")!.Invoke(Instance, null);

    public void ApplyGradients(int batchSize) => InvokeUnwrapped("ApplyGradients", batchSize);

    public void SeedDropout(int seed) => InvokeUnwrapped("SeedDropout", seed);

    public double LearningRate
    {
        get => Convert.ToDouble(Type.GetProperty("LearningRate")!.GetValue(Instance), System.Globalization.CultureInfo.InvariantCulture);
        set => Type.GetProperty("LearningRate")!.SetValue(Instance, IsDouble ? value : (object)(float)value);
    }

    public byte[] SaveTrainingState()
    {
        using var stream = new MemoryStream();
        InvokeUnwrapped("SaveTrainingState", stream);
        return stream.ToArray();
    }

    public void LoadTrainingState(byte[] state) => InvokeUnwrapped("LoadTrainingState", new MemoryStream(state));

    private void InvokeUnwrapped(string method, object argument)
    {
        try
        {
            Type.GetMethod(method)!.Invoke(Instance, new[] { argument });
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    public void ParametersChanged() => Type.GetMethod("ParametersChanged")!.Invoke(Instance, null);

    public void Load(Stream stream) => InvokeUnwrapped("LoadSafetensors", stream);

    public void Load(string path)
    {
        using FileStream stream = File.OpenRead(path);
        Load(stream);
    }

    public byte[] Save()
    {
        using var stream = new MemoryStream();
        InvokeUnwrapped("SaveSafetensors", stream);
        return stream.ToArray();
    }
}

public sealed class ModelHandle<T> : ModelHandle
    where T : unmanaged
{
    public ModelHandle(object instance)
        : base(instance)
    {
    }

    public override bool IsDouble => typeof(T) == typeof(double);

    public Span<T> Parameters => ((SpanGetter<T>)Delegate.CreateDelegate(typeof(SpanGetter<T>), Instance, Type.GetProperty("Parameters")!.GetMethod!))();

    public override double[] Predict(double[] input)
    {
        var output = new T[OutputLength * OutputSize];
        if (IsTokens)
        {
            var predict = (TokenPredictFunction<T>)Delegate.CreateDelegate(typeof(TokenPredictFunction<T>), Instance, "Predict");
            predict(ToTokens(input), output);
        }
        else
        {
            var predict = (PredictFunction<T>)Delegate.CreateDelegate(typeof(PredictFunction<T>), Instance, "Predict");
            predict(Fixture.Convert<T>(input), output);
        }

        return Fixture.ToDoubles<T>(output);
    }

    public override double[] PredictBatch(double[] inputs, int[]? lengths)
    {
        int count = inputs.Length / InputPerSequence;
        var outputs = new T[count * OutputLength * OutputSize];
        if (IsTokens)
        {
            ((PredictBatchFunction<int, T>)Delegate.CreateDelegate(typeof(PredictBatchFunction<int, T>), Instance, "PredictBatch"))(ToTokens(inputs), outputs, lengths);
        }
        else
        {
            ((PredictBatchFunction<T, T>)Delegate.CreateDelegate(typeof(PredictBatchFunction<T, T>), Instance, "PredictBatch"))(Fixture.Convert<T>(inputs), outputs, lengths);
        }

        return Fixture.ToDoubles<T>(outputs);
    }

    public override double[] RunSteps(double[] input)
    {
        Type state = StateType ?? throw new InvalidOperationException($"{Name} has no Step (bidirectional)");
        var outputs = new T[SequenceLength * OutputSize];
        object inputs = IsTokens ? ToTokens(input) : Fixture.Convert<T>(input);
        string runner = IsTokens ? nameof(RunTokenSteps) : nameof(RunVectorSteps);
        typeof(ModelHandle<T>).GetMethod(runner, BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(state)
            .Invoke(null, new[] { Instance, inputs, outputs, InputSize, OutputSize });
        return Fixture.ToDoubles<T>(outputs);
    }

    public override double[] GetParameters() => Fixture.ToDoubles<T>(Parameters);

    public override void SetParameters(double[] values) => Fixture.Convert<T>(values).CopyTo(Parameters);

    public override double[] GetGradients() => Fixture.ToDoubles<T>(((SpanGetter<T>)Delegate.CreateDelegate(typeof(SpanGetter<T>), Instance, Type.GetProperty("Gradients")!.GetMethod!))());

    public override double Accumulate(double[] input, double[] target) => Call("AccumulateGradients", input, target);

    public override double TrainStep(double[] input, double[] target) => Call("TrainStep", input, target);

    public override double AccumulateBatch(double[] inputs, double[] targets, int[]? lengths)
    {
        AccumulateBatchFunction<TInput, TTarget, T> Bind<TInput, TTarget>() =>
            (AccumulateBatchFunction<TInput, TTarget, T>)Delegate.CreateDelegate(typeof(AccumulateBatchFunction<TInput, TTarget, T>), Instance, "AccumulateGradientsBatch");
        T loss;
        if (IsTokens)
        {
            loss = HasClassTargets
                ? Bind<int, int>()(ToTokens(inputs), ToTokens(targets), lengths)
                : Bind<int, T>()(ToTokens(inputs), Fixture.Convert<T>(targets), lengths);
        }
        else
        {
            loss = HasClassTargets
                ? Bind<T, int>()(Fixture.Convert<T>(inputs), ToTokens(targets), lengths)
                : Bind<T, T>()(Fixture.Convert<T>(inputs), Fixture.Convert<T>(targets), lengths);
        }

        return Fixture.ToDoubles<T>(new[] { loss })[0];
    }

    public override double AccumulateBatch(double[] inputs, double[] targets, int[]? lengths, int degreeOfParallelism)
    {
        AccumulateThreadsFunction<TInput, TTarget, T> Bind<TInput, TTarget>() =>
            (AccumulateThreadsFunction<TInput, TTarget, T>)Delegate.CreateDelegate(typeof(AccumulateThreadsFunction<TInput, TTarget, T>), Instance, "AccumulateGradientsBatch");
        T loss;
        if (IsTokens)
        {
            loss = HasClassTargets
                ? Bind<int, int>()(ToTokens(inputs), ToTokens(targets), lengths, degreeOfParallelism)
                : Bind<int, T>()(ToTokens(inputs), Fixture.Convert<T>(targets), lengths, degreeOfParallelism);
        }
        else
        {
            loss = HasClassTargets
                ? Bind<T, int>()(Fixture.Convert<T>(inputs), ToTokens(targets), lengths, degreeOfParallelism)
                : Bind<T, T>()(Fixture.Convert<T>(inputs), Fixture.Convert<T>(targets), lengths, degreeOfParallelism);
        }

        return Fixture.ToDoubles<T>(new[] { loss })[0];
    }

    private double Call(string method, double[] input, double[] target)
    {
        T loss;
        if (IsTokens)
        {
            loss = HasClassTargets
                ? Bind<int, int>(method)(ToTokens(input), ToTokens(target))
                : Bind<int, T>(method)(ToTokens(input), Fixture.Convert<T>(target));
        }
        else
        {
            loss = HasClassTargets
                ? Bind<T, int>(method)(Fixture.Convert<T>(input), ToTokens(target))
                : Bind<T, T>(method)(Fixture.Convert<T>(input), Fixture.Convert<T>(target));
        }

        return Fixture.ToDoubles<T>(new[] { loss })[0];
    }

    public override (double[] Output, double[] Hn, double[] Cn) PredictStates(double[] input, int length, double[]? h0, double[]? c0)
    {
        var output = new T[OutputLength * OutputSize];
        var hn = new T[HiddenStateSize];
        var cn = new T[CellStateSize];
        T[] h = h0 is null ? Array.Empty<T>() : Fixture.Convert<T>(h0);
        T[] c = c0 is null ? Array.Empty<T>() : Fixture.Convert<T>(c0);
        if (IsTokens)
        {
            ((PredictStatesFunction<int, T>)Delegate.CreateDelegate(typeof(PredictStatesFunction<int, T>), Instance, "Predict"))(ToTokens(input), output, length, h, c, hn, cn);
        }
        else
        {
            ((PredictStatesFunction<T, T>)Delegate.CreateDelegate(typeof(PredictStatesFunction<T, T>), Instance, "Predict"))(Fixture.Convert<T>(input), output, length, h, c, hn, cn);
        }

        return (Fixture.ToDoubles<T>(output), Fixture.ToDoubles<T>(hn), Fixture.ToDoubles<T>(cn));
    }

    public override (double Loss, double[] Dh0, double[] Dc0) AccumulateStates(double[] input, double[] target, int length, double[]? h0, double[]? c0)
    {
        var dh0 = new T[HiddenStateSize];
        var dc0 = new T[CellStateSize];
        T[] h = h0 is null ? Array.Empty<T>() : Fixture.Convert<T>(h0);
        T[] c = c0 is null ? Array.Empty<T>() : Fixture.Convert<T>(c0);
        T loss;
        if (IsTokens)
        {
            loss = HasClassTargets
                ? BindStates<int, int>()(ToTokens(input), ToTokens(target), length, h, c, dh0, dc0)
                : BindStates<int, T>()(ToTokens(input), Fixture.Convert<T>(target), length, h, c, dh0, dc0);
        }
        else
        {
            loss = HasClassTargets
                ? BindStates<T, int>()(Fixture.Convert<T>(input), ToTokens(target), length, h, c, dh0, dc0)
                : BindStates<T, T>()(Fixture.Convert<T>(input), Fixture.Convert<T>(target), length, h, c, dh0, dc0);
        }

        return (Fixture.ToDoubles<T>(new[] { loss })[0], Fixture.ToDoubles<T>(dh0), Fixture.ToDoubles<T>(dc0));
    }

    private AccumulateStatesFunction<TInput, TTarget, T> BindStates<TInput, TTarget>() =>
        (AccumulateStatesFunction<TInput, TTarget, T>)Delegate.CreateDelegate(typeof(AccumulateStatesFunction<TInput, TTarget, T>), Instance, "AccumulateGradients");

    private AccumulateFunction<TInput, TTarget, T> Bind<TInput, TTarget>(string method) =>
        (AccumulateFunction<TInput, TTarget, T>)Delegate.CreateDelegate(typeof(AccumulateFunction<TInput, TTarget, T>), Instance, method);

    private static int[] ToTokens(double[] input) => input.Select(v => checked((int)v)).ToArray();

    private static void RunVectorSteps<TState>(object instance, T[] input, T[] outputs, int inputSize, int outputSize)
        where TState : struct
    {
        var step = (StepFunction<TState, T>)Delegate.CreateDelegate(typeof(StepFunction<TState, T>), instance, "Step");
        TState state = default;
        for (int t = 0; t < input.Length / inputSize; t++)
        {
            step(ref state, input.AsSpan(t * inputSize, inputSize), outputs.AsSpan(t * outputSize, outputSize));
        }
    }

    private static void RunTokenSteps<TState>(object instance, int[] tokens, T[] outputs, int inputSize, int outputSize)
        where TState : struct
    {
        _ = inputSize;
        var step = (TokenStepFunction<TState, T>)Delegate.CreateDelegate(typeof(TokenStepFunction<TState, T>), instance, "Step");
        TState state = default;
        for (int t = 0; t < tokens.Length; t++)
        {
            step(ref state, tokens[t], outputs.AsSpan(t * outputSize, outputSize));
        }
    }
}
