using System;
using System.Collections.Generic;
using System.Globalization;

namespace RnnGen.Demo;

/// <summary>One sequence of the jump task: 30 frames of 16 features, step-major, and whether the dog jumps.</summary>
/// <param name="Frames">The model's input, <c>Frames[t * 16 + 2k]</c> the height of keypoint k, <c>+ 1</c> its velocity.</param>
/// <param name="IsJump">The label: true (1) when the dog jumps.</param>
/// <param name="Story">What happens in it, in words: "jump over frames 3-11 (0.52 high); head bob over frames 14-20".</param>
public sealed record JumpSample(float[] Frames, bool IsJump, string Story);

/// <summary>
/// The jump task ("does the dog jump?"): synthetic frames of a walking dog seen from the side. docs/jump_task.md
/// defines it; this is the C# port of src/python/jump_task.py and gives bit-identical values from the same seed,
/// because it makes the same SplitMix64 draws in the same order and combines them with the same double
/// arithmetic (no transcendental function whose last bit could differ between libraries).
/// </summary>
public static class JumpTask
{
    /// <summary>The training set's seed.</summary>
    public const int TrainingSeed = 1;

    /// <summary>The validation set's seed.</summary>
    public const int ValidationSeed = 2;

    /// <summary>The seed of the fresh sequences the demo classifies (never seen in training).</summary>
    public const int FreshSeed = 3;

    /// <summary>Frames per sequence.</summary>
    public const int Steps = 30;

    /// <summary>Keypoints per frame: head, neck, withers, back, hip, tail, front paw, hind paw.</summary>
    public const int Keypoints = 8;

    /// <summary>Features per frame: a height and a horizontal velocity per keypoint.</summary>
    public const int Features = 2 * Keypoints;

    /// <summary>Draws every sample consumes, used or not: 22 parameters and two per feature for noise.</summary>
    public const int DrawsPerSample = 22 + (2 * Steps * Features);

    private const int BodyKeypoints = 6;

    private static readonly double[] BaseHeight = [1.00, 0.90, 0.80, 0.72, 0.78, 0.85, 0.05, 0.05];

    private static readonly string[] KeypointNames = ["head", "neck", "withers", "back", "hip", "tail", "front paw", "hind paw"];

    private static readonly double[] GaitOffset = [0, 0, 0, 0, 0, 0, 0.0, 0.5];

    /// <summary>The first <paramref name="count"/> samples of <paramref name="seed"/>.</summary>
    /// <param name="seed">The set's seed (see <see cref="FreshSeed"/> and the others).</param>
    /// <param name="count">How many samples.</param>
    /// <returns>The samples, in order.</returns>
    public static JumpSample[] Generate(int seed, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new InitRandom(seed);
        var samples = new JumpSample[count];
        for (int i = 0; i < count; i++)
        {
            samples[i] = Next(ref random);
        }

        return samples;
    }

    /// <summary>Draws one sample: exactly <see cref="DrawsPerSample"/> draws from <paramref name="random"/>.</summary>
    /// <param name="random">The set's generator, advanced past this sample.</param>
    /// <returns>The sample.</returns>
    public static JumpSample Next(ref InitRandom random)
    {
        bool jump = random.NextDouble() < 0.5;
        double speed = 0.5 + (1.0 * random.NextDouble());
        double frequency = 0.06 + (0.06 * random.NextDouble());
        double phase = random.NextDouble();
        double size = 0.8 + (0.4 * random.NextDouble());
        double sigma = 0.02 + (0.04 * random.NextDouble());
        Bump jumpBump = Bump.Draw(ref random, minLength: 6, lengths: 7, minAmplitude: 0.25, amplitudeRange: 0.5);
        bool twitch = random.NextDouble() < 0.5;
        int twitchKeypoint = Floor(8 * random.NextDouble());
        Bump twitchBump = Bump.Draw(ref random, minLength: 2, lengths: 4, minAmplitude: 0.3, amplitudeRange: 0.5);
        bool bob = random.NextDouble() < 0.5;
        Bump bobBump = Bump.Draw(ref random, minLength: 6, lengths: 7, minAmplitude: 0.25, amplitudeRange: 0.5);
        bool curb = random.NextDouble() < 0.5;
        int curbStart = 1 + Floor(26 * random.NextDouble());
        double curbHeight = 0.15 + (0.25 * random.NextDouble());
        if (random.NextDouble() < 0.5)
        {
            curbHeight = -curbHeight;
        }

        var values = new double[Steps * Features];
        for (int t = 0; t < Steps; t++)
        {
            double p = (frequency * t) + phase;
            for (int k = 0; k < Keypoints; k++)
            {
                double y, v;
                if (k < BodyKeypoints)
                {
                    y = size * (BaseHeight[k] + (0.03 * Wave(2.0 * p)));
                    v = speed * (1.0 + (0.1 * Wave((2.0 * p) + 0.25)));
                }
                else
                {
                    double w = Wave(p + GaitOffset[k]);
                    double lift = w > 0.0 ? w : 0.0;
                    y = size * (BaseHeight[k] + (0.15 * lift));
                    v = 2.0 * speed * lift;
                }

                if (jump && jumpBump.Covers(t))
                {
                    y += jumpBump.At(t);
                }

                if (twitch && k == twitchKeypoint && twitchBump.Covers(t))
                {
                    y += twitchBump.At(t);
                }

                if (bob && k < 2 && bobBump.Covers(t))
                {
                    y += bobBump.At(t);
                }

                if (curb)
                {
                    y += curbHeight * Ramp(t, curbStart);
                }

                values[(t * Features) + (2 * k)] = y;
                values[(t * Features) + (2 * k) + 1] = v;
            }
        }

        var frames = new float[Steps * Features];
        for (int i = 0; i < frames.Length; i++)
        {
            double u1 = random.NextDouble();
            double u2 = random.NextDouble();
            frames[i] = (float)(values[i] + (sigma * (u1 + u2 - 1.0)));
        }

        var story = new List<string>(4);
        if (jump)
        {
            story.Add($"jump over {jumpBump}");
        }

        if (twitch)
        {
            story.Add($"{KeypointNames[twitchKeypoint]} twitch over {twitchBump}");
        }

        if (bob)
        {
            story.Add($"head bob over {bobBump}");
        }

        if (curb)
        {
            story.Add(string.Create(CultureInfo.InvariantCulture, $"step {(curbHeight > 0 ? "up" : "down")} a curb ({Math.Abs(curbHeight):F2}) at frame {curbStart}"));
        }

        return new JumpSample(frames, jump, story.Count == 0 ? "walking" : string.Join("; ", story));
    }

    /// <summary>A periodic stand-in for sin(2 pi p) made of two parabolas: smooth, peak 1 at a quarter period.</summary>
    private static double Wave(double p)
    {
        double q = p - Math.Floor(p);
        return q < 0.5 ? 16.0 * q * (0.5 - q) : -16.0 * (q - 0.5) * (1.0 - q);
    }

    /// <summary>0 before frame <paramref name="start"/>, then 0.25, 0.5, 0.75 and 1 from then on.</summary>
    private static double Ramp(int t, int start) => Math.Min(1.0, Math.Max(0.0, (t - start + 1) / 4.0));

    private static int Floor(double value) => (int)Math.Floor(value);

    /// <summary>A parabola over the frames <c>Start .. Start + Length - 1</c> with peak <c>Amplitude</c>.</summary>
    private readonly record struct Bump(int Start, int Length, double Amplitude)
    {
        /// <summary>Three draws: the length, the start (so that the bump lies within the sequence), the amplitude.</summary>
        public static Bump Draw(ref InitRandom random, int minLength, int lengths, double minAmplitude, double amplitudeRange)
        {
            int length = minLength + Floor(lengths * random.NextDouble());
            int start = Floor((Steps + 1 - length) * random.NextDouble());
            double amplitude = minAmplitude + (amplitudeRange * random.NextDouble());
            return new Bump(start, length, amplitude);
        }

        public bool Covers(int t) => t >= Start && t < Start + Length;

        public double At(int t)
        {
            double r = ((t - Start) + 0.5) / Length;
            return Amplitude * 4.0 * r * (1.0 - r);
        }

        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"frames {Start}-{Start + Length - 1} ({Amplitude:F2} high)");
    }
}
