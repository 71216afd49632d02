using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace RnnGen;

/// <summary>
/// <c>torch.optim.Adam</c> (PyTorch 1.13, <c>amsgrad=False</c>), with weight decay as an L2 term added to the
/// gradient (not AdamW). At step t (counted from 1): <c>g = g + weightDecay * p</c> (only when weightDecay is not 0),
/// <c>m = beta1 * m + (1 - beta1) * g</c>, <c>v = beta2 * v + (1 - beta2) * g * g</c>,
/// <c>denom = sqrt(v) / sqrt(1 - beta2^t) + eps</c>, <c>p = p - (lr / (1 - beta1^t)) * m / denom</c>. The bias
/// corrections are computed in double as Python does; everything per element is computed in
/// <typeparamref name="T"/> with PyTorch's order of operations and fused multiply-adds.
/// </summary>
/// <typeparam name="T">The parameters' element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class Adam<T> : Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _firstMoment;
    private readonly T[] _secondMoment;
    private readonly Hyperparameter[] _hyperparameters;
    private readonly (string Name, T[] Values)[] _buffers;

    /// <summary>Creates the optimizer with torch.optim.Adam's arguments (<c>betas=(beta1, beta2)</c>,
    /// <c>eps=epsilon</c>, <c>amsgrad=False</c>, <c>maximize=False</c>).</summary>
    /// <param name="parameterCount">The length of the parameter vector.</param>
    /// <param name="learningRate">The learning rate <c>lr</c> (finite, positive).</param>
    /// <param name="beta1">The decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">The decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">The term added to the denominator (finite, at least 0).</param>
    /// <param name="weightDecay">The L2 penalty added to the gradient (finite, at least 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public Adam(int parameterCount, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0)
        : base(parameterCount, learningRate)
    {
        CheckSetting(beta1 >= 0.0 && beta1 < 1.0, beta1, nameof(beta1), "in [0, 1)");
        CheckSetting(beta2 >= 0.0 && beta2 < 1.0, beta2, nameof(beta2), "in [0, 1)");
        CheckSetting(double.IsFinite(epsilon) && epsilon >= 0.0, epsilon, nameof(epsilon), "finite and at least 0");
        CheckSetting(double.IsFinite(weightDecay) && weightDecay >= 0.0, weightDecay, nameof(weightDecay), "finite and at least 0");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        _firstMoment = new T[parameterCount];
        _secondMoment = new T[parameterCount];
        _buffers = [("exp_avg", _firstMoment), ("exp_avg_sq", _secondMoment)];
        _hyperparameters =
        [
            new("beta1", beta1),
            new("beta2", beta2),
            new("epsilon", epsilon),
            new("weight_decay", weightDecay),
        ];
    }

    /// <summary>The decay of the first moment (<c>betas[0]</c>).</summary>
    public double Beta1 { get; }

    /// <summary>The decay of the second moment (<c>betas[1]</c>).</summary>
    public double Beta2 { get; }

    /// <summary>The term added to the denominator (<c>eps</c>).</summary>
    public double Epsilon { get; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    private protected override string Kind => "adam";

    private protected override IReadOnlyList<Hyperparameter> Hyperparameters => _hyperparameters;

    private protected override IReadOnlyList<(string Name, T[] Values)> Buffers => _buffers;

    /// <inheritdoc/>
    public override void Step(Span<T> parameters, ReadOnlySpan<T> gradients)
    {
        CheckStepArguments(parameters.Length, gradients.Length);
        long step = StepCount + 1;
        var rule = new Rule(this, step);
        Span<Vector<T>> p = VectorMath.Vectors(parameters);
        ReadOnlySpan<Vector<T>> g = VectorMath.Vectors(gradients);
        Span<Vector<T>> m = VectorMath.Vectors(_firstMoment.AsSpan());
        Span<Vector<T>> v = VectorMath.Vectors(_secondMoment.AsSpan());
        for (int i = 0; i < p.Length; i++)
        {
            p[i] = rule.Update(p[i], g[i], ref m[i], ref v[i]);
        }

        int tail = p.Length * Vector<T>.Count;
        if (tail < parameters.Length)
        {
            Span<T> scratch = stackalloc T[Vector<T>.Count];
            Vector<T> mt = VectorMath.LoadTail<T>(_firstMoment.AsSpan(tail), scratch);
            Vector<T> vt = VectorMath.LoadTail<T>(_secondMoment.AsSpan(tail), scratch);
            Vector<T> updated = rule.Update(VectorMath.LoadTail<T>(parameters[tail..], scratch), VectorMath.LoadTail(gradients[tail..], scratch), ref mt, ref vt);
            VectorMath.StoreTail(updated, parameters[tail..], scratch);
            VectorMath.StoreTail(mt, _firstMoment.AsSpan(tail), scratch);
            VectorMath.StoreTail(vt, _secondMoment.AsSpan(tail), scratch);
        }

        StepCount = step;
    }

    /// <summary>One step's scalars, broadcast to vectors. The bias corrections are Python floats (double); each
    /// scalar reaches the kernels rounded to <typeparamref name="T"/>, as in PyTorch.</summary>
    private readonly struct Rule
    {
        private readonly Vector<T> _weightDecay;
        private readonly Vector<T> _beta1;
        private readonly Vector<T> _beta2;
        private readonly Vector<T> _oneMinusBeta1;
        private readonly Vector<T> _oneMinusBeta2;
        private readonly Vector<T> _epsilon;
        private readonly Vector<T> _biasCorrection2Sqrt;
        private readonly Vector<T> _negativeStepSize;
        private readonly bool _decay;

        public Rule(Adam<T> adam, long step)
        {
            // bias_correction1 = 1 - beta1 ** step; bias_correction2 = 1 - beta2 ** step; step_size = lr / bias_correction1
            double biasCorrection1 = 1.0 - Math.Pow(adam.Beta1, step);
            double biasCorrection2 = 1.0 - Math.Pow(adam.Beta2, step);
            _negativeStepSize = new Vector<T>(Scalar(-(adam.LearningRate / biasCorrection1)));
            _biasCorrection2Sqrt = new Vector<T>(Scalar(Math.Sqrt(biasCorrection2)));
            _weightDecay = new Vector<T>(Scalar(adam.WeightDecay));
            _beta1 = new Vector<T>(Scalar(adam.Beta1));
            _beta2 = new Vector<T>(Scalar(adam.Beta2));
            _oneMinusBeta1 = new Vector<T>(Scalar(1.0 - adam.Beta1));
            _oneMinusBeta2 = new Vector<T>(Scalar(1.0 - adam.Beta2));
            _epsilon = new Vector<T>(Scalar(adam.Epsilon));
            _decay = adam.WeightDecay != 0.0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<T> Update(Vector<T> parameter, Vector<T> gradient, ref Vector<T> m, ref Vector<T> v)
        {
            // grad = grad.add(param, alpha=weight_decay)
            Vector<T> g = _decay ? VectorMath.FusedMultiplyAdd(parameter, _weightDecay, gradient) : gradient;
            // exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
            m = VectorMath.FusedMultiplyAdd(g, _oneMinusBeta1, m * _beta1);
            // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2): self + (value * t1) * t2, fused
            v = VectorMath.FusedMultiplyAdd(_oneMinusBeta2 * g, g, v * _beta2);
            // denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
            Vector<T> denominator = (Vector.SquareRoot(v) / _biasCorrection2Sqrt) + _epsilon;
            // param.addcdiv_(exp_avg, denom, value=-step_size): self + (value * t1) / t2
            return parameter + (_negativeStepSize * m / denominator);
        }
    }
}
