using System;

namespace RnnGen;

/// <summary>Picks the next token from a softmax head's probabilities, for generation.</summary>
public static class Sampling
{
    /// <summary>The index of the largest probability; the first one on ties.</summary>
    /// <param name="probabilities">The head's output.</param>
    /// <returns>The chosen index.</returns>
    /// <exception cref="ArgumentException">The span is empty.</exception>
    public static int ArgMax(ReadOnlySpan<float> probabilities)
    {
        CheckNotEmpty(probabilities.Length);
        int best = 0;
        for (int i = 1; i < probabilities.Length; i++)
        {
            if (probabilities[i] > probabilities[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <inheritdoc cref="ArgMax(ReadOnlySpan{float})"/>
    public static int ArgMax(ReadOnlySpan<double> probabilities)
    {
        CheckNotEmpty(probabilities.Length);
        int best = 0;
        for (int i = 1; i < probabilities.Length; i++)
        {
            if (probabilities[i] > probabilities[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>
    /// Draws an index from <c>softmax(log(p) / temperature)</c>, which is <c>softmax(logits / temperature)</c> for
    /// probabilities p = softmax(logits): <c>p_i^(1/temperature)</c> normalized, computed relative to the largest
    /// probability so nothing overflows. One <see cref="InitRandom.NextDouble"/> per draw, inverse CDF in index order.
    /// Temperature 0 is greedy (<see cref="ArgMax(ReadOnlySpan{float})"/>) and draws nothing. Allocates nothing.
    /// </summary>
    /// <param name="probabilities">The head's output, non-negative.</param>
    /// <param name="temperature">0 for greedy; below 1 sharpens, above 1 flattens the distribution.</param>
    /// <param name="random">The generator, advanced by one draw unless greedy.</param>
    /// <returns>The chosen index.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is negative, infinite or NaN.</exception>
    public static int Choose(ReadOnlySpan<float> probabilities, double temperature, ref InitRandom random)
    {
        CheckTemperature(temperature);
        int best = ArgMax(probabilities);
        if (temperature == 0)
        {
            return best;
        }

        double exponent = 1 / temperature;
        double top = probabilities[best];
        double total = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            total += Math.Pow(probabilities[i] / top, exponent);
        }

        double target = random.NextDouble() * total;
        double running = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            running += Math.Pow(probabilities[i] / top, exponent);
            if (target < running)
            {
                return i;
            }
        }

        return best;
    }

    /// <inheritdoc cref="Choose(ReadOnlySpan{float}, double, ref InitRandom)"/>
    public static int Choose(ReadOnlySpan<double> probabilities, double temperature, ref InitRandom random)
    {
        CheckTemperature(temperature);
        int best = ArgMax(probabilities);
        if (temperature == 0)
        {
            return best;
        }

        double exponent = 1 / temperature;
        double top = probabilities[best];
        double total = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            total += Math.Pow(probabilities[i] / top, exponent);
        }

        double target = random.NextDouble() * total;
        double running = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            running += Math.Pow(probabilities[i] / top, exponent);
            if (target < running)
            {
                return i;
            }
        }

        return best;
    }

    private static void CheckNotEmpty(int length)
    {
        if (length == 0)
        {
            throw new ArgumentException("There is nothing to choose from.");
        }
    }

    private static void CheckTemperature(double temperature)
    {
        if (!double.IsFinite(temperature) || temperature < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature is 0 (greedy) or positive.");
        }
    }
}
