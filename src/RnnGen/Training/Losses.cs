using System;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// The training losses of one sequence, as PyTorch 1.13 computes them with <c>reduction='mean'</c>. Each returns the
/// loss and OVERWRITES <c>gradient</c> with dLoss/d(input of the loss). The float overloads compute every term and
/// every sum in double and round once at the end, so they are at least as accurate as PyTorch's float32 kernels;
/// docs/training-runtime.md gives the exact formulas. Nothing allocates.
/// </summary>
public static class Losses
{
    /// <summary>The class target that marks a step to ignore (PyTorch's default <c>ignore_index</c>).</summary>
    public const int IgnoreIndex = -100;

    /// <summary><c>MSELoss(reduction='mean')</c>: <c>mean((p - t)^2)</c> over all N elements; gradient
    /// <c>2 (p - t) / N</c>.</summary>
    /// <param name="prediction">The prediction <c>p</c> (for a sigmoid or softmax head, the probabilities).</param>
    /// <param name="target">The target <c>t</c>, as long as <paramref name="prediction"/>.</param>
    /// <param name="gradient">Overwritten with dLoss/dp; as long as <paramref name="prediction"/>.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths.</exception>
    public static float MeanSquaredError(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient) =>
        (float)MeanSquaredErrorCore(prediction, target, gradient);

    /// <summary><c>MSELoss(reduction='mean')</c>: <c>mean((p - t)^2)</c> over all N elements; gradient
    /// <c>2 (p - t) / N</c>.</summary>
    /// <param name="prediction">The prediction <c>p</c> (for a sigmoid or softmax head, the probabilities).</param>
    /// <param name="target">The target <c>t</c>, as long as <paramref name="prediction"/>.</param>
    /// <param name="gradient">Overwritten with dLoss/dp; as long as <paramref name="prediction"/>.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths.</exception>
    public static double MeanSquaredError(ReadOnlySpan<double> prediction, ReadOnlySpan<double> target, Span<double> gradient) =>
        MeanSquaredErrorCore(prediction, target, gradient);

    /// <summary><c>BCEWithLogitsLoss(reduction='mean')</c>: <c>mean(max(a, 0) - a t + log1p(exp(-|a|)))</c> over all N
    /// elements; gradient <c>(sigmoid(a) - t) / N</c>. Finite for every finite logit (|a| of 1e4 included).</summary>
    /// <param name="logits">The logits <c>a</c> (the sigmoid head's input).</param>
    /// <param name="target">The target <c>t</c>, normally in [0, 1] (not checked, as in PyTorch); as long as
    /// <paramref name="logits"/>.</param>
    /// <param name="gradient">Overwritten with dLoss/da; as long as <paramref name="logits"/>.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths.</exception>
    public static float BinaryCrossEntropyWithLogits(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, Span<float> gradient) =>
        (float)BinaryCrossEntropyWithLogitsCore(logits, target, gradient);

    /// <summary><c>BCEWithLogitsLoss(reduction='mean')</c>: <c>mean(max(a, 0) - a t + log1p(exp(-|a|)))</c> over all N
    /// elements; gradient <c>(sigmoid(a) - t) / N</c>. Finite for every finite logit (|a| of 1e4 included).</summary>
    /// <param name="logits">The logits <c>a</c> (the sigmoid head's input).</param>
    /// <param name="target">The target <c>t</c>, normally in [0, 1] (not checked, as in PyTorch); as long as
    /// <paramref name="logits"/>.</param>
    /// <param name="gradient">Overwritten with dLoss/da; as long as <paramref name="logits"/>.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths.</exception>
    public static double BinaryCrossEntropyWithLogits(ReadOnlySpan<double> logits, ReadOnlySpan<double> target, Span<double> gradient) =>
        BinaryCrossEntropyWithLogitsCore(logits, target, gradient);

    /// <summary>
    /// <c>CrossEntropyLoss(reduction='mean', ignore_index=-100)</c> over <c>steps = target.Length</c> rows of
    /// <paramref name="classes"/> logits: the mean, over the V steps whose target is not <see cref="IgnoreIndex"/>,
    /// of <c>logsumexp(row) - row[target]</c>. Gradient row: <c>(softmax(row) - onehot(target)) / V</c>, zero for
    /// ignored steps. When every step is ignored the loss is 0 and the gradient zero (PyTorch returns NaN, 0/0; a
    /// sequence without a labelled step then adds nothing to a batch instead of poisoning it).
    /// </summary>
    /// <param name="logits">The logits, row-major <c>[steps, classes]</c>.</param>
    /// <param name="target">One class id per step, or <see cref="IgnoreIndex"/>.</param>
    /// <param name="classes">The number of classes (at least 1).</param>
    /// <param name="gradient">Overwritten with dLoss/d(logits); as long as <paramref name="logits"/>.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentException">The lengths do not fit <c>[target.Length, classes]</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is below 1, or a target is outside
    /// [0, <paramref name="classes"/>) and not <see cref="IgnoreIndex"/> (the message names the step); nothing is
    /// written then.</exception>
    public static float CrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> target, int classes, Span<float> gradient) =>
        (float)CrossEntropyCore(logits, target, classes, gradient);

    /// <summary>
    /// <c>CrossEntropyLoss(reduction='mean', ignore_index=-100)</c> over <c>steps = target.Length</c> rows of
    /// <paramref name="classes"/> logits: the mean, over the V steps whose target is not <see cref="IgnoreIndex"/>,
    /// of <c>logsumexp(row) - row[target]</c>. Gradient row: <c>(softmax(row) - onehot(target)) / V</c>, zero for
    /// ignored steps. When every step is ignored the loss is 0 and the gradient zero (PyTorch returns NaN, 0/0; a
    /// sequence without a labelled step then adds nothing to a batch instead of poisoning it).
    /// </summary>
    /// <param name="logits">The logits, row-major <c>[steps, classes]</c>.</param>
    /// <param name="target">One class id per step, or <see cref="IgnoreIndex"/>.</param>
    /// <param name="classes">The number of classes (at least 1).</param>
    /// <param name="gradient">Overwritten with dLoss/d(logits); as long as <paramref name="logits"/>.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentException">The lengths do not fit <c>[target.Length, classes]</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is below 1, or a target is outside
    /// [0, <paramref name="classes"/>) and not <see cref="IgnoreIndex"/> (the message names the step); nothing is
    /// written then.</exception>
    public static double CrossEntropy(ReadOnlySpan<double> logits, ReadOnlySpan<int> target, int classes, Span<double> gradient) =>
        CrossEntropyCore(logits, target, classes, gradient);

    private static double MeanSquaredErrorCore<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckElementwise(prediction.Length, target.Length, gradient.Length, nameof(prediction));
        double scale = 2.0 / prediction.Length;
        double sum = 0.0;
        for (int i = 0; i < prediction.Length; i++)
        {
            double difference = double.CreateTruncating(prediction[i]) - double.CreateTruncating(target[i]);
            sum += difference * difference;
            gradient[i] = T.CreateTruncating(difference * scale);
        }

        return sum / prediction.Length;
    }

    private static double BinaryCrossEntropyWithLogitsCore<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> target, Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckElementwise(logits.Length, target.Length, gradient.Length, nameof(logits));
        double count = logits.Length;
        double sum = 0.0;
        for (int i = 0; i < logits.Length; i++)
        {
            double a = double.CreateTruncating(logits[i]);
            double t = double.CreateTruncating(target[i]);
            // log(1 + e^a) - a t rewritten so that no exponent is positive: e^-|a| is in (0, 1].
            sum += Math.Max(a, 0.0) - (a * t) + LogOnePlus(Math.Exp(-Math.Abs(a)));
            gradient[i] = T.CreateTruncating((Activations.Sigmoid(a) - t) / count);
        }

        return sum / count;
    }

    private static double CrossEntropyCore<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> target, int classes, Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        long expected = (long)target.Length * classes;
        if (logits.Length != expected || gradient.Length != expected)
        {
            throw new ArgumentException($"For {target.Length} steps of {classes} classes the logits and the gradient must hold {expected} values; they hold {logits.Length} and {gradient.Length}.", nameof(logits));
        }

        int valid = CountValidTargets(target, classes);
        if (valid == 0)
        {
            gradient.Clear();
            return 0.0;
        }

        double sum = 0.0;
        for (int step = 0; step < target.Length; step++)
        {
            ReadOnlySpan<T> row = logits.Slice(step * classes, classes);
            Span<T> rowGradient = gradient.Slice(step * classes, classes);
            int label = target[step];
            if (label == IgnoreIndex)
            {
                rowGradient.Clear();
                continue;
            }

            double max = double.NegativeInfinity;
            for (int j = 0; j < classes; j++)
            {
                max = Math.Max(max, double.CreateTruncating(row[j]));
            }

            double exponentials = 0.0;
            for (int j = 0; j < classes; j++)
            {
                exponentials += Math.Exp(double.CreateTruncating(row[j]) - max);
            }

            // Read before the row's gradient is written, so the gradient may share the logits' memory.
            double labelLogit = double.CreateTruncating(row[label]);
            sum += max + Math.Log(exponentials) - labelLogit;
            for (int j = 0; j < classes; j++)
            {
                double probability = Math.Exp(double.CreateTruncating(row[j]) - max) / exponentials;
                double oneHot = j == label ? 1.0 : 0.0;
                rowGradient[j] = T.CreateTruncating((probability - oneHot) / valid);
            }
        }

        return sum / valid;
    }

    /// <summary>Checks every target before anything is written and counts those not ignored.</summary>
    private static int CountValidTargets(ReadOnlySpan<int> target, int classes)
    {
        int valid = 0;
        for (int step = 0; step < target.Length; step++)
        {
            int label = target[step];
            if (label == IgnoreIndex)
            {
                continue;
            }

            if ((uint)label >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(target), label, $"The target of step {step} is {label}; expected a class in [0, {classes}) or {IgnoreIndex} to ignore the step.");
            }

            valid++;
        }

        return valid;
    }

    /// <summary>log(1 + x) for x in [0, 1], accurate to a few ulps even where 1 + x rounds to 1 (Goldberg, "What every
    /// computer scientist should know about floating-point arithmetic", 1991, theorem 4); <c>Math.Log(1 + x)</c>
    /// would lose all digits of x below 2^-53.</summary>
    private static double LogOnePlus(double x)
    {
        double u = 1.0 + x;
        return u == 1.0 ? x : Math.Log(u) * (x / (u - 1.0));
    }

    private static void CheckElementwise(int input, int target, int gradient, string inputName)
    {
        if (target != input || gradient != input)
        {
            throw new ArgumentException($"The input, the target and the gradient must have the same length; they have {input}, {target} and {gradient}.", inputName);
        }

        if (input == 0)
        {
            throw new ArgumentException("A loss needs at least one element (the mean of nothing is undefined).", inputName);
        }
    }
}
