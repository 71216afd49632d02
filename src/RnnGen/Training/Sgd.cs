using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace RnnGen;

/// <summary>
/// <c>torch.optim.SGD</c> (PyTorch 1.13): with <c>d = g + weightDecay * p</c> (only when weightDecay is not 0),
/// the momentum buffer <c>b = d</c> on the first step and <c>b = momentum * b + (1 - dampening) * d</c> after it,
/// the update direction <c>d + momentum * b</c> (Nesterov) or <c>b</c> (momentum not 0) or <c>d</c>, and
/// <c>p = p - lr * direction</c>. Each <c>x + alpha * y</c> is one fused multiply-add with alpha rounded to
/// <typeparamref name="T"/>, as in PyTorch's CPU kernels.
/// </summary>
/// <typeparam name="T">The parameters' element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class Sgd<T> : Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _momentumBuffer;
    private readonly Hyperparameter[] _hyperparameters;
    private readonly (string Name, T[] Values)[] _buffers;

    /// <summary>Creates the optimizer with torch.optim.SGD's arguments (<c>maximize=False</c>).</summary>
    /// <param name="parameterCount">The length of the parameter vector.</param>
    /// <param name="learningRate">The learning rate <c>lr</c> (finite, positive).</param>
    /// <param name="momentum">The momentum factor (finite, at least 0); 0 keeps no buffer.</param>
    /// <param name="dampening">The dampening of the momentum (finite); not applied on the first step.</param>
    /// <param name="nesterov">Whether to use Nesterov momentum; needs momentum above 0 and dampening 0, as in PyTorch.</param>
    /// <param name="weightDecay">The L2 penalty added to the gradient (finite, at least 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="nesterov"/> without momentum or with dampening.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public Sgd(int parameterCount, double learningRate, double momentum = 0, double dampening = 0, bool nesterov = false, double weightDecay = 0)
        : base(parameterCount, learningRate)
    {
        CheckSetting(double.IsFinite(momentum) && momentum >= 0.0, momentum, nameof(momentum), "finite and at least 0");
        CheckSetting(double.IsFinite(dampening), dampening, nameof(dampening), "finite");
        CheckSetting(double.IsFinite(weightDecay) && weightDecay >= 0.0, weightDecay, nameof(weightDecay), "finite and at least 0");
        if (nesterov && (momentum <= 0.0 || dampening != 0.0))
        {
            throw new ArgumentException("Nesterov momentum requires a momentum above 0 and zero dampening.", nameof(nesterov));
        }

        Momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
        _momentumBuffer = momentum != 0.0 ? new T[parameterCount] : [];
        _buffers = momentum != 0.0 ? [("momentum_buffer", _momentumBuffer)] : [];
        _hyperparameters =
        [
            new("momentum", momentum),
            new("dampening", dampening),
            Hyperparameter.Flag("nesterov", nesterov),
            new("weight_decay", weightDecay),
        ];
    }

    /// <summary>The momentum factor; 0 for plain SGD.</summary>
    public double Momentum { get; }

    /// <summary>The dampening of the momentum.</summary>
    public double Dampening { get; }

    /// <summary>Whether the update uses Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    private protected override string Kind => "sgd";

    private protected override IReadOnlyList<Hyperparameter> Hyperparameters => _hyperparameters;

    private protected override IReadOnlyList<(string Name, T[] Values)> Buffers => _buffers;

    /// <inheritdoc/>
    public override void Step(Span<T> parameters, ReadOnlySpan<T> gradients)
    {
        CheckStepArguments(parameters.Length, gradients.Length);
        var rule = new Rule(this);
        Span<Vector<T>> p = VectorMath.Vectors(parameters);
        ReadOnlySpan<Vector<T>> g = VectorMath.Vectors(gradients);
        Span<Vector<T>> b = VectorMath.Vectors(_momentumBuffer.AsSpan());
        for (int i = 0; i < p.Length; i++)
        {
            Vector<T> buffer = rule.HasMomentum ? b[i] : default;
            p[i] = rule.Update(p[i], g[i], ref buffer);
            if (rule.HasMomentum)
            {
                b[i] = buffer;
            }
        }

        int tail = p.Length * Vector<T>.Count;
        if (tail < parameters.Length)
        {
            Span<T> scratch = stackalloc T[Vector<T>.Count];
            Vector<T> buffer = rule.HasMomentum ? VectorMath.LoadTail<T>(_momentumBuffer.AsSpan(tail), scratch) : default;
            Vector<T> updated = rule.Update(VectorMath.LoadTail<T>(parameters[tail..], scratch), VectorMath.LoadTail(gradients[tail..], scratch), ref buffer);
            VectorMath.StoreTail(updated, parameters[tail..], scratch);
            if (rule.HasMomentum)
            {
                VectorMath.StoreTail(buffer, _momentumBuffer.AsSpan(tail), scratch);
            }
        }

        StepCount++;
    }

    /// <summary>One step's scalars, broadcast to vectors; each scalar is the Python float rounded to
    /// <typeparamref name="T"/>, as PyTorch's kernels round their <c>alpha</c>.</summary>
    private readonly struct Rule
    {
        private readonly Vector<T> _weightDecay;
        private readonly Vector<T> _momentum;
        private readonly Vector<T> _undampened;
        private readonly Vector<T> _negativeRate;
        private readonly bool _decay;
        private readonly bool _nesterov;
        private readonly bool _first;

        public Rule(Sgd<T> sgd)
        {
            _weightDecay = new Vector<T>(Scalar(sgd.WeightDecay));
            _momentum = new Vector<T>(Scalar(sgd.Momentum));
            _undampened = new Vector<T>(Scalar(1.0 - sgd.Dampening));
            _negativeRate = new Vector<T>(Scalar(-sgd.LearningRate));
            _decay = sgd.WeightDecay != 0.0;
            HasMomentum = sgd.Momentum != 0.0;
            _nesterov = sgd.Nesterov;
            _first = sgd.StepCount == 0;
        }

        public bool HasMomentum { get; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<T> Update(Vector<T> parameter, Vector<T> gradient, ref Vector<T> buffer)
        {
            // d_p = d_p.add(param, alpha=weight_decay)
            Vector<T> direction = _decay ? VectorMath.FusedMultiplyAdd(parameter, _weightDecay, gradient) : gradient;
            if (HasMomentum)
            {
                // buf = clone(d_p) on the first step, else buf.mul_(momentum).add_(d_p, alpha=1 - dampening)
                buffer = _first ? direction : VectorMath.FusedMultiplyAdd(direction, _undampened, buffer * _momentum);
                // d_p = d_p.add(buf, alpha=momentum) with Nesterov, else d_p = buf
                direction = _nesterov ? VectorMath.FusedMultiplyAdd(buffer, _momentum, direction) : buffer;
            }

            // param.add_(d_p, alpha=-lr)
            return VectorMath.FusedMultiplyAdd(direction, _negativeRate, parameter);
        }
    }
}
