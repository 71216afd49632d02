using System;

namespace RnnGen.Sample;

/// <summary>
/// Deterministic inputs for the jump detector: <c>frames</c> steps of <c>features</c> values each,
/// laid out step-major (<c>x[t * features + f]</c>), as <c>Predict</c> reads them.
/// </summary>
internal static class SyntheticSequences
{
    /// <summary>Feature 1 stands for the height of the hips in the frame.</summary>
    public const int HipHeight = 1;

    /// <summary>Every feature at a constant resting value 0.1: nothing moves.</summary>
    public static float[] Flat(int frames, int features)
    {
        var x = new float[frames * features];
        Array.Fill(x, 0.1f);
        return x;
    }

    /// <summary>
    /// <see cref="Flat"/>, plus a jump: the hip height rises and falls as one half sine wave of
    /// amplitude <paramref name="height"/> over the frames <c>[start, start + length)</c>.
    /// </summary>
    public static float[] Jump(int frames, int features, int start, int length, float height)
    {
        float[] x = Flat(frames, features);
        for (int k = 0; k < length && start + k < frames; k++)
        {
            x[(start + k) * features + HipHeight] += height * MathF.Sin(MathF.PI * (k + 0.5f) / length);
        }

        return x;
    }

    /// <summary>Every feature drifts slowly: value <c>0.1 + 0.02 * t</c> at frame t, like a walk towards the camera.</summary>
    public static float[] Drift(int frames, int features)
    {
        var x = new float[frames * features];
        for (int t = 0; t < frames; t++)
        {
            x.AsSpan(t * features, features).Fill(0.1f + 0.02f * t);
        }

        return x;
    }
}
