using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using RnnGen.Tests.Infrastructure;
using RnnGen.Tests.Models;

namespace RnnGen.Tests.EncoderDecoder;

/// <summary>Drives an encoder-decoder fixture model with values as doubles, whatever its element types.</summary>
public abstract class Seq2SeqHandle
{
    public abstract object Instance { get; }

    public Type Type => Instance.GetType();

    public string Name => Type.Name;

    public abstract bool IsDouble { get; }

    public bool TokenInput => Type.GetField("VocabSize") is not null;

    public bool TokenDecoder => Instance is ITokenDecoder<int> or ITokenDecoder<double> or ITokenDecoder<float>;

    public int Constant(string name) => (int)Type.GetField(name)!.GetRawConstantValue()!;

    public int SequenceLength => Constant("SequenceLength");

    public int InputSize => Constant("InputSize");

    public int OutputSize => Constant("OutputSize");

    public int OutputLength => Constant("OutputLength");

    public int InputPerSequence => TokenInput ? SequenceLength : SequenceLength * InputSize;

    public IReadOnlyList<ParameterInfo> Layout => (IReadOnlyList<ParameterInfo>)Type.GetProperty("ParameterLayout")!.GetValue(null)!;

    public static IEnumerable<string> Names => typeof(Seq2SeqHandle).Assembly.GetTypes()
        .Where(ModelHandle.IsEncoderDecoder).Select(t => t.Name).Order(StringComparer.Ordinal);

    public static Seq2SeqHandle Create(string name, int seed = 0)
    {
        Type type = typeof(Seq2SeqHandle).Assembly.GetTypes().Single(t => t.Name == name && ModelHandle.IsEncoderDecoder(t));
        object instance = Activator.CreateInstance(type, seed)!;
        Type api = type.GetInterfaces().Single(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ISeq2SeqModel<,,>));
        Type handle = typeof(Seq2SeqHandle<,,>).MakeGenericType(api.GetGenericArguments());
        return (Seq2SeqHandle)Activator.CreateInstance(handle, instance)!;
    }

    public void Load(string path)
    {
        using FileStream stream = File.OpenRead(path);
        Load(stream);
    }

    public abstract void Load(Stream stream);

    public abstract byte[] Save();

    public abstract double[] Predict(double[] input, int length);

    public abstract double Accumulate(double[] input, double[] target, int length);

    public abstract double TrainStep(double[] input, double[] target, int length);

    public abstract void ZeroGradients();

    public bool HasDropout => Type.GetMethod("SeedDropout") is not null;

    public void SeedDropout(int seed) => Type.GetMethod("SeedDropout")!.Invoke(Instance, new object[] { seed });

    public abstract double[] GetGradients();

    public abstract double[] GetParameters();

    public abstract void SetParameters(double[] values);

    public abstract int Decode(double[] input, int length, int[] output);

    public abstract int Generate(double[] input, int length, int[] output, float temperature, int seed);

    /// <summary>Bytes this thread allocates over <paramref name="calls"/> calls of each inference and training entry point, after one warm-up.</summary>
    public abstract long AllocatedBytes(double[] input, double[] target, int length, int calls);
}

public sealed class Seq2SeqHandle<T, TIn, TTarget> : Seq2SeqHandle
    where T : INumber<T>
    where TIn : INumber<TIn>
    where TTarget : INumber<TTarget>
{
    private readonly ISeq2SeqModel<T, TIn, TTarget> _model;

    public Seq2SeqHandle(object instance) => _model = (ISeq2SeqModel<T, TIn, TTarget>)instance;

    public override object Instance => _model;

    public override bool IsDouble => typeof(T) == typeof(double);

    private static TIn[] In(double[] values) => values.Select(v => TIn.CreateChecked(v)).ToArray();

    private static TTarget[] Target(double[] values) => values.Select(v => TTarget.CreateChecked(v)).ToArray();

    private static double[] Out(ReadOnlySpan<T> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = double.CreateChecked(values[i]);
        }

        return result;
    }

    public override void Load(Stream stream) => _model.LoadSafetensors(stream);

    public override byte[] Save()
    {
        using var stream = new MemoryStream();
        _model.SaveSafetensors(stream);
        return stream.ToArray();
    }

    public override double[] Predict(double[] input, int length)
    {
        var output = new T[OutputLength * OutputSize];
        _model.Predict(In(input), output, length);
        return Out(output);
    }

    public override double Accumulate(double[] input, double[] target, int length) =>
        double.CreateChecked(_model.AccumulateGradients(In(input), Target(target), length));

    public override double TrainStep(double[] input, double[] target, int length) =>
        double.CreateChecked(_model.TrainStep(In(input), Target(target), length));

    public override void ZeroGradients() => _model.ZeroGradients();

    public override double[] GetGradients() => Out(_model.Gradients);

    public override double[] GetParameters() => Out(_model.Parameters);

    public override void SetParameters(double[] values)
    {
        Span<T> parameters = _model.Parameters;
        for (int i = 0; i < values.Length; i++)
        {
            parameters[i] = T.CreateChecked(values[i]);
        }

        _model.ParametersChanged();
    }

    private ITokenDecoder<TIn> Tokens => (ITokenDecoder<TIn>)_model;

    public override int Decode(double[] input, int length, int[] output) => Tokens.Decode(In(input), output, length);

    public override int Generate(double[] input, int length, int[] output, float temperature, int seed) =>
        Tokens.Generate(In(input), output, temperature, seed, length);

    public override long AllocatedBytes(double[] input, double[] target, int length, int calls)
    {
        TIn[] x = In(input);
        TTarget[] y = Target(target);
        var output = new T[OutputLength * OutputSize];
        var tokens = new int[OutputLength];
        bool decoder = TokenDecoder;

        void Run()
        {
            _model.Predict(x, output, length);
            if (decoder)
            {
                Tokens.Decode(x, tokens, length);
                Tokens.Generate(x, tokens, 1, 3, length);
            }

            _model.AccumulateGradients(x, y, length);
            _model.TrainStep(x, y, length);
        }

        Run();
        return Allocations.SteadyState(() =>
        {
            for (int i = 0; i < calls; i++)
            {
                Run();
            }
        });
    }
}
