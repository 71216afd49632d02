using System;
using System.Linq;
using System.Reflection;

namespace RnnGen.JitProbe;

/// <summary>
/// Calls a generated model's <c>Predict</c>, <c>PredictBatch</c> (one group of four), <c>Step</c>, <c>AccumulateGradients</c> and
/// <c>AccumulateGradientsBatch</c> (one group of four, and two groups on two threads) once, through delegates (their span
/// parameters rule out <c>MethodInfo.Invoke</c>).
/// </summary>
internal static class Exercise
{
    private delegate void PredictCall<TIn, TOut>(ReadOnlySpan<TIn> input, Span<TOut> output);

    private delegate void StepCall<TState, TIn, TOut>(ref TState state, ReadOnlySpan<TIn> x, Span<TOut> y);

    private delegate void TokenStepCall<TState, TOut>(ref TState state, int token, Span<TOut> y);

    private delegate TOut AccumulateCall<TIn, TTarget, TOut>(ReadOnlySpan<TIn> input, ReadOnlySpan<TTarget> target);

    private delegate TOut AccumulateBatchCall<TIn, TTarget, TOut>(ReadOnlySpan<TIn> inputs, ReadOnlySpan<TTarget> targets, ReadOnlySpan<int> lengths);

    private delegate TOut AccumulateThreadsCall<TIn, TTarget, TOut>(ReadOnlyMemory<TIn> inputs, ReadOnlyMemory<TTarget> targets, ReadOnlyMemory<int> lengths, int degreeOfParallelism);

    /// <summary>Runs the model; returns the number of calls that failed.</summary>
    public static int Run(Type model)
    {
        object instance = Activator.CreateInstance(model)!;
        int sequence = Constant(model, "SequenceLength");
        int input = Constant(model, "InputSize");
        int outputs = Constant(model, "OutputLength") * Constant(model, "OutputSize");
        int failures = 0;

        MethodInfo[] predicts = Overloads(model, "Predict", 2);
        if (predicts.Length == 0)
        {
            Console.Error.WriteLine($"{model.FullName} has no Predict");
            failures++;
        }

        foreach (MethodInfo predict in predicts)
        {
            Type inElement = Element(predict, 0);
            Type outElement = Element(predict, 1);
            int length = inElement == typeof(int) ? sequence : sequence * input;
            failures += Call(model, "Predict", nameof(CallPredict), [inElement, outElement], [instance, predict, length, outputs]);
        }

        // four sequences: one group, so the lockstep methods (PredictGroup, LayerKRunGroup, ...StepGroup) compile too
        foreach (MethodInfo batch in Overloads(model, "PredictBatch", 2))
        {
            Type inElement = Element(batch, 0);
            Type outElement = Element(batch, 1);
            int length = inElement == typeof(int) ? sequence : sequence * input;
            failures += Call(model, "PredictBatch", nameof(CallPredict), [inElement, outElement], [instance, batch, 4 * length, 4 * outputs]);
        }

        foreach (MethodInfo step in Overloads(model, "Step", 3))
        {
            Type state = step.GetParameters()[0].ParameterType.GetElementType()!;
            Type outElement = Element(step, 2);
            int perStep = Constant(model, "OutputSize");
            failures += step.GetParameters()[1].ParameterType == typeof(int)
                ? Call(model, "Step", nameof(CallTokenStep), [state, outElement], [instance, step, sequence, perStep])
                : Call(model, "Step", nameof(CallStep), [state, Element(step, 1), outElement], [instance, step, sequence, input, perStep]);
        }

        foreach (MethodInfo accumulate in Overloads(model, "AccumulateGradients", 2))
        {
            Type inElement = Element(accumulate, 0);
            Type targetElement = Element(accumulate, 1);
            int length = inElement == typeof(int) ? sequence : sequence * input;

            // One target per output step, or per input step for one-to-many models (the ones with Generate but no
            // decoder), which learn by teacher forcing (docs/generative.md); an encoder-decoder's targets are its
            // decoder steps (docs/encoder-decoder.md). Class indices (cross_entropy) are one per step, the other
            // losses' targets one per output value. Zeros are valid targets of every loss.
            bool oneToMany = model.GetMethods().Any(m => m.Name == "Generate") && !HasConstant(model, "DecoderInputSize");
            int steps = oneToMany ? sequence : Constant(model, "OutputLength");
            int targets = targetElement == typeof(int) ? steps : steps * Constant(model, "OutputSize");
            failures += Call(model, "AccumulateGradients", nameof(CallAccumulate), [inElement, targetElement, accumulate.ReturnType], [instance, accumulate, length, targets]);

            // four sequences: one group, so the lockstep training methods (AccumulateGroup, LayerKTrainRunGroup, ...) compile too
            foreach (MethodInfo batch in Overloads(model, "AccumulateGradientsBatch", 3))
            {
                failures += Call(model, "AccumulateGradientsBatch", nameof(CallAccumulateBatch), [inElement, targetElement, batch.ReturnType], [instance, batch, 4 * length, 4 * targets]);
            }

            // eight sequences on two threads: a group on this model, one on a worker (AccumulateBatchOnThreads, the worker constructor)
            foreach (MethodInfo threads in Overloads(model, "AccumulateGradientsBatch", 4))
            {
                failures += Call(model, "AccumulateGradientsBatch (2 threads)", nameof(CallAccumulateThreads), [inElement, targetElement, threads.ReturnType], [instance, threads, 8 * length, 8 * targets]);
            }
        }

        return failures;
    }

    private static int Call(Type model, string what, string helper, Type[] typeArguments, object[] arguments)
    {
        try
        {
            typeof(Exercise).GetMethod(helper, BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(typeArguments)
                .Invoke(null, arguments);
            Console.WriteLine($"called {model.FullName}:{what}");
            return 0;
        }
        catch (TargetInvocationException e)
        {
            Console.Error.WriteLine($"{model.FullName}.{what} threw {e.InnerException}");
            return 1;
        }
    }

    private static void CallPredict<TIn, TOut>(object instance, MethodInfo predict, int inputLength, int outputLength)
    {
        var call = predict.CreateDelegate<PredictCall<TIn, TOut>>(instance);
        call(new TIn[inputLength], new TOut[outputLength]);
    }

    private static void CallAccumulate<TIn, TTarget, TOut>(object instance, MethodInfo accumulate, int inputLength, int targetLength)
    {
        var call = accumulate.CreateDelegate<AccumulateCall<TIn, TTarget, TOut>>(instance);
        call(new TIn[inputLength], new TTarget[targetLength]);
    }

    private static void CallAccumulateBatch<TIn, TTarget, TOut>(object instance, MethodInfo accumulate, int inputLength, int targetLength)
    {
        var call = accumulate.CreateDelegate<AccumulateBatchCall<TIn, TTarget, TOut>>(instance);
        call(new TIn[inputLength], new TTarget[targetLength], default);
    }

    private static void CallAccumulateThreads<TIn, TTarget, TOut>(object instance, MethodInfo accumulate, int inputLength, int targetLength)
    {
        var call = accumulate.CreateDelegate<AccumulateThreadsCall<TIn, TTarget, TOut>>(instance);
        call(new TIn[inputLength], new TTarget[targetLength], default, 2);
    }

    private static void CallStep<TState, TIn, TOut>(object instance, MethodInfo step, int steps, int inputSize, int outputSize)
        where TState : struct
    {
        var call = step.CreateDelegate<StepCall<TState, TIn, TOut>>(instance);
        TState state = default;
        var x = new TIn[inputSize];
        var y = new TOut[outputSize];
        for (int t = 0; t < steps; t++)
        {
            call(ref state, x, y);
        }
    }

    private static void CallTokenStep<TState, TOut>(object instance, MethodInfo step, int steps, int outputSize)
        where TState : struct
    {
        var call = step.CreateDelegate<TokenStepCall<TState, TOut>>(instance);
        TState state = default;
        var y = new TOut[outputSize];
        for (int t = 0; t < steps; t++)
        {
            call(ref state, 0, y);
        }
    }

    private static MethodInfo[] Overloads(Type model, string name, int parameters) =>
        model.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.Name == name && m.GetParameters().Length == parameters)
            .ToArray();

    private static int Constant(Type model, string name) =>
        (int)model.GetField(name, BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;

    private static bool HasConstant(Type model, string name) =>
        model.GetField(name, BindingFlags.Public | BindingFlags.Static) is not null;

    private static Type Element(MethodInfo method, int parameter) =>
        method.GetParameters()[parameter].ParameterType.GetGenericArguments()[0];
}
