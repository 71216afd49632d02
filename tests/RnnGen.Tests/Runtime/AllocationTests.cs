using System;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>The helpers generated code calls on its hot paths allocate nothing on the managed heap.</summary>
public class AllocationTests
{
    [Fact]
    public void Kernels_activations_and_initialization_do_not_allocate()
    {
        float[] xs = new float[1000], ys = new float[1000];
        double[] xd = new double[1000], yd = new double[1000];
        var random = new InitRandom(3);
        Exercise(xs, ys, xd, yd, ref random);

        long before = GC.GetAllocatedBytesForCurrentThread();
        float sink = Exercise(xs, ys, xd, yd, ref random);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(float.IsFinite(sink));
    }

    private static float Exercise(float[] xs, float[] ys, double[] xd, double[] yd, ref InitRandom random)
    {
        ParameterInit.Uniform(xs, 1.0, ref random);
        ParameterInit.Normal(ys, ref random);
        ParameterInit.Uniform(xd, 1.0, ref random);
        ParameterInit.Normal(yd, ref random);
        float sum = Kernels.Dot(xs, ys) + (float)Kernels.Dot(xd, yd);
        sum += Activations.Sigmoid(sum) + Activations.Tanh(sum) + (float)Activations.Sigmoid((double)sum) + (float)Activations.Tanh((double)sum);
        Activations.Softmax(xs.AsSpan(0, 10));
        Activations.Softmax(xd.AsSpan(0, 10));
        return sum + xs[0] + (float)xd[0];
    }
}
