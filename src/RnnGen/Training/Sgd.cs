using System;
using System.Collections.Generic;
using System.Numerics;

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
        gradients = gradients[..parameters.Length];
        bool decay = WeightDecay != 0.0;
        bool momentum = Momentum != 0.0;
        bool first = StepCount == 0;
        T weightDecay = Scalar(WeightDecay);
        T momentumFactor = Scalar(Momentum);
        T undampened = Scalar(1.0 - Dampening);
        T negativeRate = Scalar(-LearningRate);
        Span<T> buffer = _momentumBuffer;

        for (int i = 0; i < parameters.Length; i++)
        {
            // d_p = d_p.add(param, alpha=weight_decay)
            T direction = decay ? T.FusedMultiplyAdd(parameters[i], weightDecay, gradients[i]) : gradients[i];
            if (momentum)
            {
                // buf = clone(d_p) on the first step, else buf.mul_(momentum).add_(d_p, alpha=1 - dampening)
                T b = first ? direction : T.FusedMultiplyAdd(direction, undampened, buffer[i] * momentumFactor);
                buffer[i] = b;
                // d_p = d_p.add(buf, alpha=momentum) with Nesterov, else d_p = buf
                direction = Nesterov ? T.FusedMultiplyAdd(b, momentumFactor, direction) : b;
            }

            // param.add_(d_p, alpha=-lr)
            parameters[i] = T.FusedMultiplyAdd(direction, negativeRate, parameters[i]);
        }

        StepCount++;
    }
}
