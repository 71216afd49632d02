using System;
using System.Collections.Generic;
using System.Numerics;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Training;

/// <summary>
/// Sgd and Adam against torch.optim.SGD and torch.optim.Adam (PyTorch 1.13, make_optimizer_fixtures.py): 5 steps
/// from the same parameters with the same gradients and learning rates, compared after every step.
/// </summary>
/// <remarks>
/// Tolerances. float64: 1e-12 relative (plus 1e-15 absolute for values that pass near 0): the optimizers perform
/// PyTorch's own operations in its order with its fused multiply-adds, so any difference can only come from the
/// platform's pow and sqrt in the bias corrections, a few ulps of 1e-16 per step. float32: 1e-6 relative (plus 1e-9
/// absolute): the same operations in float, each rounded as PyTorch's float kernels round it; a 1-ulp difference in
/// a scalar (2^-24, 6e-8) could move an update by that relative amount per step, which 5 steps keep far below 1e-6.
/// On x64 Linux with glibc both precisions come out bit-identical to PyTorch; the test logs the count.
/// </remarks>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public class OptimizerParityTests
{
    private readonly ITestOutputHelper _log;

    public OptimizerParityTests(ITestOutputHelper log) => _log = log;

    public static IEnumerable<object[]> Names() => OptimizerCases.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Float64_matches_torch_step_by_step(string name) => Check<double>(name, 1e-12, 1e-15);

    [Theory]
    [MemberData(nameof(Names))]
    public void Float32_matches_torch_step_by_step(string name) => Check<float>(name, 1e-6, 1e-9);

    /// <summary>The steps run over <see cref="System.Numerics.Vector{T}"/> lanes with a padded tail: shifting the
    /// fixture by a few elements inside a longer vector moves elements between the vector body and the tail, and
    /// must not change a single bit.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Results_do_not_depend_on_the_position_in_the_vector(string name)
    {
        CheckShifted<double>(name, 3, 70);
        CheckShifted<float>(name, 5, 11);
    }

    private static void CheckShifted<T>(string name, int offset, int extra)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = OptimizerCases.Count;
        Optimizer<T> reference = OptimizerCases.Create<T>(name);
        T[] expected = OptimizerCases.InitialParameters<T>();
        Optimizer<T> shifted = OptimizerCases.Create<T>(name, count + offset + extra);
        T[] parameters = new T[count + offset + extra];
        parameters.AsSpan().Fill(T.One);
        expected.CopyTo(parameters, offset);
        double[] rates = OptimizerCases.LearningRates(name);
        for (int step = 0; step < OptimizerCases.Steps; step++)
        {
            T[] gradient = new T[parameters.Length];
            gradient.AsSpan().Fill(T.CreateTruncating(0.25));
            OptimizerCases.Gradient<T>(step).CopyTo(gradient, offset);
            reference.LearningRate = shifted.LearningRate = rates[step];
            reference.Step(expected, OptimizerCases.Gradient<T>(step));
            shifted.Step(parameters, gradient);
        }

        Assert.Equal(expected, parameters.AsSpan(offset, count).ToArray());
    }

    private void Check<T>(string name, double relative, double absolute)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Optimizer<T> optimizer = OptimizerCases.Create<T>(name);
        T[] parameters = OptimizerCases.InitialParameters<T>();
        double[] rates = OptimizerCases.LearningRates(name);
        double worst = 0;
        int identical = 0;
        for (int step = 0; step < OptimizerCases.Steps; step++)
        {
            optimizer.LearningRate = rates[step];
            optimizer.Step(parameters, OptimizerCases.Gradient<T>(step));
            Assert.Equal(step + 1, optimizer.StepCount);

            double[] expected = OptimizerCases.Expected<T>(name, step);
            double[] actual = OptimizerCases.ToDoubles<T>(parameters);
            worst = Math.Max(worst, Differences.AssertClose(expected, actual, relative, absolute, $"{name} {typeof(T).Name} step {step + 1}"));
            identical += Differences.Identical(expected, actual);
        }

        _log.WriteLine($"{name} {typeof(T).Name}: largest relative difference {worst:E2}, {identical} of {OptimizerCases.Steps * OptimizerCases.Count} values bit-identical to torch");
    }
}
