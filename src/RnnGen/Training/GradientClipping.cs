using System;
using System.Numerics;

namespace RnnGen;

/// <summary>Gradient clipping by the global norm, as <c>torch.nn.utils.clip_grad_norm_</c> (PyTorch 1.13).</summary>
public static class GradientClipping
{
    /// <summary>
    /// <c>clip_grad_norm_(parameters, maxNorm)</c> with norm type 2 over all <paramref name="gradients"/> taken as one
    /// vector: <c>total = ||g||_2</c> (sum of squares accumulated in double), <c>coef = maxNorm / (total + 1e-6)</c>,
    /// and, unless <c>coef &gt;= 1</c>, every gradient is multiplied by <c>coef</c> rounded to float. A NaN or infinite
    /// gradient makes <c>coef</c> NaN or 0 and is propagated as PyTorch propagates it (no <c>error_if_nonfinite</c>).
    /// </summary>
    /// <param name="gradients">The gradients, scaled in place when their norm exceeds <paramref name="maxNorm"/>.</param>
    /// <param name="maxNorm">The largest norm allowed; positive (infinity disables clipping of finite gradients).</param>
    /// <returns>The norm before clipping.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not positive (or is NaN).</exception>
    public static double ClipGlobalNorm(Span<float> gradients, double maxNorm) => Clip(gradients, maxNorm);

    /// <summary>
    /// <c>clip_grad_norm_(parameters, maxNorm)</c> with norm type 2 over all <paramref name="gradients"/> taken as one
    /// vector: <c>total = ||g||_2</c>, <c>coef = maxNorm / (total + 1e-6)</c>, and, unless <c>coef &gt;= 1</c>, every
    /// gradient is multiplied by <c>coef</c>. A NaN or infinite gradient makes <c>coef</c> NaN or 0 and is propagated
    /// as PyTorch propagates it (no <c>error_if_nonfinite</c>).
    /// </summary>
    /// <param name="gradients">The gradients, scaled in place when their norm exceeds <paramref name="maxNorm"/>.</param>
    /// <param name="maxNorm">The largest norm allowed; positive (infinity disables clipping of finite gradients).</param>
    /// <returns>The norm before clipping.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not positive (or is NaN).</exception>
    public static double ClipGlobalNorm(Span<double> gradients, double maxNorm) => Clip(gradients, maxNorm);

    private static double Clip<T>(Span<T> gradients, double maxNorm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(maxNorm > 0.0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The largest gradient norm must be positive.");
        }

        double sumOfSquares = 0.0;
        foreach (T gradient in gradients)
        {
            double value = double.CreateTruncating(gradient);
            sumOfSquares += value * value;
        }

        double total = Math.Sqrt(sumOfSquares);
        double coefficient = maxNorm / (total + 1e-6);
        // PyTorch multiplies by clamp(coef, max=1): a no-op at 1, and NaN when the norm is NaN.
        if (!(coefficient >= 1.0))
        {
            T scale = T.CreateTruncating(coefficient);
            for (int i = 0; i < gradients.Length; i++)
            {
                gradients[i] *= scale;
            }
        }

        return total;
    }
}
