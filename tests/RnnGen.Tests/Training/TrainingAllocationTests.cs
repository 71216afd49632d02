using System;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>What the generated training code calls per step allocates nothing on the managed heap after a warm-up.</summary>
public class TrainingAllocationTests
{
    private const int Count = 1000;

    [Fact]
    public void Optimizer_steps_losses_clipping_masks_and_kernels_do_not_allocate()
    {
        var workload = new Workload();
        workload.Run();

        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            workload.Run();
        }));
        Assert.True(workload.Sink != 0 && double.IsFinite(workload.Sink));
    }

    private sealed class Workload
    {
        private readonly Optimizer<float>[] _singles =
        [
            new Sgd<float>(Count, 0.1),
            new Sgd<float>(Count, 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01),
            new Adam<float>(Count, weightDecay: 0.01),
        ];

        private readonly Optimizer<double>[] _doubles =
        [
            new Sgd<double>(Count, 0.1, momentum: 0.5, dampening: 0.1),
            new Adam<double>(Count),
        ];

        private readonly float[] _parameters = new float[Count], _gradients = new float[Count], _target = new float[Count];
        private readonly double[] _parameters64 = new double[Count], _gradients64 = new double[Count], _target64 = new double[Count];
        private readonly int[] _classes = new int[Count / 10];
        private InitRandom _random = new(3);

        public Workload()
        {
            for (int i = 0; i < Count; i++)
            {
                _parameters[i] = (float)Math.Sin(i);
                _parameters64[i] = Math.Cos(i);
                _target[i] = (i % 3) / 2.0f;
                _target64[i] = (i % 3) / 2.0;
            }

            for (int i = 0; i < _classes.Length; i++)
            {
                _classes[i] = i % 3 == 0 ? Losses.IgnoreIndex : i % 10;
            }
        }

        public double Sink { get; private set; }

        public void Run()
        {
            double sink = Losses.MeanSquaredError(_parameters, _target, _gradients);
            sink += Losses.BinaryCrossEntropyWithLogits(_parameters, _target, _gradients);
            sink += Losses.CrossEntropy(_parameters, _classes, 10, _gradients);
            sink += GradientClipping.ClipGlobalNorm(_gradients, 1.0);
            foreach (Optimizer<float> optimizer in _singles)
            {
                optimizer.Step(_parameters, _gradients);
            }

            sink += Losses.MeanSquaredError(_parameters64, _target64, _gradients64);
            sink += Losses.BinaryCrossEntropyWithLogits(_parameters64, _target64, _gradients64);
            sink += Losses.CrossEntropy(_parameters64, _classes, 10, _gradients64);
            sink += GradientClipping.ClipGlobalNorm(_gradients64, 1.0);
            foreach (Optimizer<double> optimizer in _doubles)
            {
                optimizer.Step(_parameters64, _gradients64);
            }

            Dropout.FillMask(_target.AsSpan(0, 100), 0.2, ref _random);
            Dropout.FillMask(_target64.AsSpan(0, 100), 0.2, ref _random);
            Kernels.AddScaled(_target, 0.5f, _gradients);
            Kernels.AddScaled(_target64, 0.5, _gradients64);
            Activations.SigmoidBackward(_target, _gradients);
            Activations.SigmoidBackward(_target64, _gradients64);
            Activations.SoftmaxBackward(_target.AsSpan(0, 10), _gradients.AsSpan(0, 10));
            Activations.SoftmaxBackward(_target64.AsSpan(0, 10), _gradients64.AsSpan(0, 10));
            Sink = sink;
        }
    }
}
