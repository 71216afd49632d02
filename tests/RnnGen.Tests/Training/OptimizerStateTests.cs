using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;
using RnnGen.Tests.Runtime;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>Training state (Save/Load), learning-rate changes and argument checks of Sgd and Adam.</summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public class OptimizerStateTests
{
    public static IEnumerable<object[]> Names() => OptimizerCases.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void A_saved_and_reloaded_state_continues_bit_exactly(string name)
    {
        ResumeAfter<double>(name, 2);
        ResumeAfter<float>(name, 2);
        ResumeAfter<float>(name, 0);
    }

    [Fact]
    public void Saving_the_same_state_twice_gives_the_same_bytes_and_a_reload_saves_them_back()
    {
        Optimizer<float> optimizer = StepOnce(new Adam<float>(OptimizerCases.Count, 0.01, weightDecay: 0.01));
        byte[] first = Save(optimizer), second = Save(optimizer);
        var reloaded = new Adam<float>(OptimizerCases.Count, 0.5, weightDecay: 0.01);
        reloaded.Load(new MemoryStream(first));

        Assert.Equal(first, second);
        Assert.Equal(first, Save(reloaded));
        Assert.Equal(1, reloaded.StepCount);
        Assert.Equal(0.01, reloaded.LearningRate);
    }

    [Fact]
    public void The_state_file_is_a_safetensors_file_that_describes_itself()
    {
        var optimizer = new Sgd<double>(OptimizerCases.Count, 0.1, momentum: 0.9, nesterov: true);
        StepOnce(optimizer);
        optimizer.LearningRate = 0.025;
        SafetensorsFile file = SafetensorsFile.Read(new MemoryStream(Save(optimizer)));

        Assert.Equal("sgd", file.Metadata["optimizer"]);
        Assert.Equal("F64", file.Metadata["dtype"]);
        Assert.Equal("37", file.Metadata["parameter_count"]);
        Assert.Equal("1", file.Metadata["step"]);
        Assert.Equal("0.025", file.Metadata["learning_rate"]);
        Assert.Equal("0.9", file.Metadata["momentum"]);
        Assert.Equal("true", file.Metadata["nesterov"]);
        SafetensorsTensor buffer = Assert.Single(file.Tensors);
        Assert.Equal("momentum_buffer", buffer.Name);
        Assert.Equal(SafetensorsDType.F64, buffer.DType);
        Assert.Equal(new[] { 37 }, buffer.Shape);
        Assert.Empty(SafetensorsFile.Read(new MemoryStream(Save(new Sgd<float>(5, 0.1)))).Tensors);
    }

    [Fact]
    public void Load_rejects_another_optimizer_kind_and_leaves_the_state_untouched()
    {
        byte[] sgdState = Save(StepOnce(new Sgd<float>(OptimizerCases.Count, 0.1, momentum: 0.9)));
        Optimizer<float> adam = StepOnce(new Adam<float>(OptimizerCases.Count));

        AssertRejected(adam, sgdState, "optimizer 'sgd'");
    }

    [Fact]
    public void Load_rejects_another_parameter_count()
    {
        byte[] state = Save(StepOnce(new Adam<float>(OptimizerCases.Count)));
        var shorter = new Adam<float>(OptimizerCases.Count - 1);

        AssertRejected(shorter, state, "37 parameters");
        AssertRejected(new Sgd<float>(OptimizerCases.Count - 1, 0.1), Save(new Sgd<float>(OptimizerCases.Count, 0.1)), "37 parameters");
    }

    [Fact]
    public void Load_rejects_another_precision()
    {
        byte[] state = Save(StepOnce(new Adam<float>(OptimizerCases.Count)));

        AssertRejected(StepOnce(new Adam<double>(OptimizerCases.Count)), state, "F32");
    }

    [Fact]
    public void Load_rejects_other_hyperparameters()
    {
        byte[] state = Save(StepOnce(new Adam<double>(OptimizerCases.Count, beta2: 0.99)));

        AssertRejected(StepOnce(new Adam<double>(OptimizerCases.Count)), state, "beta2 0.99");
        AssertRejected(
            new Sgd<double>(OptimizerCases.Count, 0.1, momentum: 0.9),
            Save(new Sgd<double>(OptimizerCases.Count, 0.1, momentum: 0.9, nesterov: true)),
            "nesterov true");
    }

    [Fact]
    public void Load_rejects_a_missing_an_unknown_or_a_misshapen_buffer()
    {
        byte[] state = Save(StepOnce(new Adam<float>(OptimizerCases.Count)));
        Optimizer<float> target = StepOnce(new Adam<float>(OptimizerCases.Count));

        // exp_avg_sq is written last: dropping it and its bytes leaves a valid file without it.
        AssertRejected(target, Edit(state, (header, data) =>
        {
            header.Remove("exp_avg_sq");
            return data[..(4 * OptimizerCases.Count)];
        }), "no tensor 'exp_avg_sq'");
        AssertRejected(target, Edit(state, (header, data) =>
        {
            header["max_exp_avg_sq"] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(1),
                ["data_offsets"] = new JsonArray(data.Length, data.Length + 4),
            };
            return [.. data, 0, 0, 0, 0];
        }), "'max_exp_avg_sq'");
        AssertRejected(target, Edit(state, (header, data) =>
        {
            header["exp_avg_sq"]!["shape"] = new JsonArray(1, OptimizerCases.Count);
            return data;
        }), "[1, 37]");
    }

    [Fact]
    public void Load_rejects_broken_metadata()
    {
        byte[] state = Save(StepOnce(new Adam<float>(OptimizerCases.Count)));
        Optimizer<float> target = StepOnce(new Adam<float>(OptimizerCases.Count));

        AssertRejected(target, EditMetadata(state, m => m.Remove("step")), "'step'");
        AssertRejected(target, EditMetadata(state, m => m["step"] = "-1"), "'step'");
        AssertRejected(target, EditMetadata(state, m => m["learning_rate"] = "0"), "learning rate");
        AssertRejected(target, EditMetadata(state, m => m["learning_rate"] = "fast"), "'learning_rate'");
        AssertRejected(target, [1, 2, 3], "header length");
    }

    [Fact]
    public void Learning_rate_changes_take_effect_on_the_next_step()
    {
        foreach (string name in new[] { "adam_lr_schedule", "sgd_momentum_lr_schedule" })
        {
            double[] rates = OptimizerCases.LearningRates(name);
            Optimizer<double> optimizer = OptimizerCases.Create<double>(name);
            Optimizer<double> constant = OptimizerCases.Create<double>(name);
            double[] parameters = OptimizerCases.InitialParameters<double>();
            double[] constantParameters = OptimizerCases.InitialParameters<double>();
            for (int step = 0; step < OptimizerCases.Steps; step++)
            {
                if (step > 0 && rates[step] != rates[step - 1])
                {
                    optimizer.LearningRate = rates[step];
                }

                double[] gradient = OptimizerCases.Gradient<double>(step);
                optimizer.Step(parameters, gradient);
                constant.Step(constantParameters, gradient);

                Assert.Equal(OptimizerCases.Expected<double>(name, step), parameters);
                Assert.Equal(rates[..(step + 1)].All(r => r == rates[0]), parameters.SequenceEqual(constantParameters));
            }
        }
    }

    [Fact]
    public void Step_rejects_spans_of_the_wrong_length_and_changes_nothing()
    {
        var optimizer = new Adam<float>(4);
        float[] parameters = [1, 2, 3, 4];

        Assert.Throws<ArgumentException>(() => optimizer.Step(parameters, new float[3]));
        Assert.Throws<ArgumentException>(() => optimizer.Step(new float[5], new float[5]));
        Assert.Equal(new float[] { 1, 2, 3, 4 }, parameters);
        Assert.Equal(0, optimizer.StepCount);
    }

    [Fact]
    public void Settings_out_of_range_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(3, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(3, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(-1, 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(3, 0.1, momentum: -0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(3, 0.1, weightDecay: -1));
        Assert.Throws<ArgumentException>(() => new Sgd<float>(3, 0.1, nesterov: true));
        Assert.Throws<ArgumentException>(() => new Sgd<float>(3, 0.1, momentum: 0.9, dampening: 0.1, nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<double>(3, beta1: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<double>(3, beta2: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<double>(3, epsilon: -1e-8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<double>(3, weightDecay: double.NaN));
        Assert.Throws<NotSupportedException>(() => new Adam<Half>(3));

        var optimizer = new Adam<double>(3, 0.01);
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.LearningRate = -0.01);
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.LearningRate = double.NaN);
        Assert.Equal(0.01, optimizer.LearningRate);
    }

    /// <summary>Runs <paramref name="stepsBefore"/> steps, saves, loads into a fresh optimizer (built with another
    /// learning rate, which the state overrides) and runs the rest; the result must equal an uninterrupted run's bit
    /// for bit.</summary>
    private static void ResumeAfter<T>(string name, int stepsBefore)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] rates = OptimizerCases.LearningRates(name);
        Optimizer<T> uninterrupted = OptimizerCases.Create<T>(name);
        T[] expected = OptimizerCases.InitialParameters<T>();
        for (int step = 0; step < OptimizerCases.Steps; step++)
        {
            uninterrupted.LearningRate = rates[step];
            uninterrupted.Step(expected, OptimizerCases.Gradient<T>(step));
        }

        Optimizer<T> first = OptimizerCases.Create<T>(name);
        T[] parameters = OptimizerCases.InitialParameters<T>();
        for (int step = 0; step < stepsBefore; step++)
        {
            first.LearningRate = rates[step];
            first.Step(parameters, OptimizerCases.Gradient<T>(step));
        }

        byte[] saved = Save(first);
        Optimizer<T> resumed = OptimizerCases.Create<T>(name);
        resumed.LearningRate = 123.0;
        resumed.Load(new ForwardOnlyStream(saved));
        Assert.Equal(stepsBefore, resumed.StepCount);
        Assert.Equal(first.LearningRate, resumed.LearningRate);
        for (int step = stepsBefore; step < OptimizerCases.Steps; step++)
        {
            resumed.LearningRate = rates[step];
            resumed.Step(parameters, OptimizerCases.Gradient<T>(step));
        }

        Assert.Equal(OptimizerCases.Steps, resumed.StepCount);
        Assert.Equal(expected, parameters);
        Assert.Equal(Save(uninterrupted), Save(resumed));
    }

    private static void AssertRejected<T>(Optimizer<T> optimizer, byte[] state, string messagePart)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        byte[] before = Save(optimizer);
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => optimizer.Load(new MemoryStream(state)));
        Assert.Contains(messagePart, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Save(optimizer));
    }

    private static TOptimizer StepOnce<TOptimizer>(TOptimizer optimizer)
        where TOptimizer : class
    {
        switch (optimizer)
        {
            case Optimizer<float> single:
                single.Step(OptimizerCases.InitialParameters<float>().AsSpan(0, single.ParameterCount), OptimizerCases.Gradient<float>(0).AsSpan(0, single.ParameterCount));
                break;
            case Optimizer<double> twice:
                twice.Step(OptimizerCases.InitialParameters<double>().AsSpan(0, twice.ParameterCount), OptimizerCases.Gradient<double>(0).AsSpan(0, twice.ParameterCount));
                break;
        }

        return optimizer;
    }

    private static byte[] Save<T>(Optimizer<T> optimizer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var stream = new MemoryStream();
        optimizer.Save(stream);
        return stream.ToArray();
    }

    /// <summary>Rewrites a saved state: <paramref name="edit"/> changes the header and returns the new data section.</summary>
    private static byte[] Edit(byte[] file, Func<JsonObject, byte[], byte[]> edit)
    {
        int headerLength = (int)BitConverter.ToUInt64(file, 0);
        JsonObject header = JsonNode.Parse(Encoding.UTF8.GetString(file, 8, headerLength))!.AsObject();
        byte[] data = edit(header, file[(8 + headerLength)..]);
        return SafetensorsBytes.File(header.ToJsonString(), data);
    }

    private static byte[] EditMetadata(byte[] file, Action<JsonObject> edit) =>
        Edit(file, (header, data) =>
        {
            edit(header["__metadata__"]!.AsObject());
            return data;
        });
}
