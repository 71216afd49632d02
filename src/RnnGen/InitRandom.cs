using System;
using System.Runtime.CompilerServices;

namespace RnnGen;

/// <summary>
/// The deterministic generator behind parameter initialization: SplitMix64 (Steele, Lea and Flood 2014, as
/// published by Vigna), chosen because it is tiny, fast, passes BigCrush and is easy to reimplement bit for bit in
/// any language. docs/initialization.md states the algorithm exactly.
/// </summary>
/// <remarks>
/// The state is one 64-bit word, <c>(ulong)(long)seed</c> (the seed sign-extended), so <c>default(InitRandom)</c> is
/// the generator of seed 0. A value type passed by <see langword="ref"/>: copying it forks the sequence, which is
/// rarely what you want.
/// </remarks>
public struct InitRandom
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;
    private const double TwoToMinus53 = 1.0 / (1UL << 53);

    private ulong _state;

    /// <summary>Starts the sequence of <paramref name="seed"/>: the state is the seed sign-extended to 64 bits.</summary>
    /// <param name="seed">Any integer; the same seed always gives the same sequence.</param>
    public InitRandom(int seed) => _state = unchecked((ulong)(long)seed);

    /// <summary>The next 64 random bits (one SplitMix64 step).</summary>
    /// <returns>A uniformly distributed 64-bit value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        unchecked
        {
            _state += Gamma;
            ulong z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>A uniform double in [0, 1): the top 53 bits of <see cref="NextUInt64"/> times 2^-53.</summary>
    /// <returns>A multiple of 2^-53 in [0, 1).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * TwoToMinus53;

    /// <summary>
    /// A standard normal value by the Box-Muller transform, using one value of the pair and caching nothing:
    /// <c>u1 = 1 - NextDouble()</c> (in (0, 1], so the logarithm is finite), <c>u2 = NextDouble()</c>,
    /// result <c>sqrt(-2 ln u1) * cos(2 pi u2)</c>. Every call consumes exactly two <see cref="NextUInt64"/> draws.
    /// </summary>
    /// <returns>A draw from N(0, 1).</returns>
    public double NextNormal()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
