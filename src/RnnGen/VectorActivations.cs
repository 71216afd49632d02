using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen;

/// <summary>
/// Sigmoid, tanh, relu and clamp on whole vectors, for the generated code's SIMD paths (one overload per
/// width, so the emitted text is the same for every instruction set).
/// </summary>
/// <remarks>
/// <para>float: <c>e^x</c> by Cody-Waite range reduction <c>x = n ln2 + r</c>, |r| &lt;= ln2/2, the degree-7 Taylor
/// polynomial of <c>e^r</c> and an exponent add; tanh below |x| = 0.55 by its Taylor series in x (degree 15), above it by
/// <c>(1 - e^-2|x|) / (1 + e^-2|x|)</c>. Measured against <see cref="Math"/> in double over every 1e-4 of [-30, 30]
/// and a geometric sweep of [1e-30, 1e-2] (tests/RnnGen.Tests/Runtime/VectorActivationsTests.cs): relative error
/// at most 3e-7 for outputs of at least 1e-30 (sigmoid below x = -87.5 returns e^-88 / (1 + e^-88) instead of a
/// smaller subnormal: absolute error under 1e-38). NaN stays NaN; +-Inf give the limits.</para>
/// <para>double: every lane through the exact scalar functions of <see cref="Activations"/>, so float64 models keep
/// the scalar path's results bit for bit.</para>
/// </remarks>
public static class VectorActivations
{
    // e^x for x in [-86.5, 88]: n = round(x log2 e) stays in [-125, 127], so 2^n * p (p in [0.7, 1.42]) is normal.
    private const float ExpLow = -86.5f;
    private const float ExpHigh = 88f;
    private const float Log2E = 1.44269504f;

    // ln 2 split so that n * Ln2High is exact for |n| < 2^9 (Cody and Waite).
    private const float Ln2High = 0.693145751953125f;
    private const float Ln2Low = 1.42860677e-06f;

    // Taylor coefficients of e^r: 1/k! for k = 2..7.
    private const float E2 = 0.5f, E3 = 1f / 6, E4 = 1f / 24, E5 = 1f / 120, E6 = 1f / 720, E7 = 1f / 5040;

    // Taylor coefficients of tanh(x) = x + x^3 (T1 + x^2 (T2 + ...)) (odd Bernoulli-number series).
    private const float T1 = -1f / 3, T2 = 2f / 15, T3 = -17f / 315, T4 = 62f / 2835, T5 = -1382f / 155925, T6 = 21844f / 6081075, T7 = -929569f / 638512875;
    private const float TanhSeriesLimit = 0.55f;

    /// <summary>1 / (1 + e^-x) per lane.</summary>
    /// <param name="x">The inputs.</param>
    /// <returns>Values in [0, 1].</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Exp(-x));

    /// <inheritdoc cref="Sigmoid(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    /// <inheritdoc cref="Sigmoid(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x) => Vector128<float>.One / (Vector128<float>.One + Exp(-x));

    /// <summary>tanh(x) per lane.</summary>
    /// <param name="x">The inputs.</param>
    /// <returns>Values in [-1, 1].</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> ax = Vector512.Abs(x);
        Vector512<float> t = Exp(ax * Vector512.Create(-2f));
        Vector512<float> large = Vector512.CopySign((Vector512<float>.One - t) / (Vector512<float>.One + t), x);
        Vector512<float> s = x * x;
        Vector512<float> p = Vector512.MultiplyAddEstimate(Vector512.Create(T7), s, Vector512.Create(T6));
        p = Vector512.MultiplyAddEstimate(p, s, Vector512.Create(T5));
        p = Vector512.MultiplyAddEstimate(p, s, Vector512.Create(T4));
        p = Vector512.MultiplyAddEstimate(p, s, Vector512.Create(T3));
        p = Vector512.MultiplyAddEstimate(p, s, Vector512.Create(T2));
        p = Vector512.MultiplyAddEstimate(p, s, Vector512.Create(T1));
        Vector512<float> small = Vector512.MultiplyAddEstimate(p * s, x, x);
        return Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(TanhSeriesLimit)), small, large);
    }

    /// <inheritdoc cref="Tanh(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        Vector256<float> ax = Vector256.Abs(x);
        Vector256<float> t = Exp(ax * Vector256.Create(-2f));
        Vector256<float> large = Vector256.CopySign((Vector256<float>.One - t) / (Vector256<float>.One + t), x);
        Vector256<float> s = x * x;
        Vector256<float> p = Vector256.MultiplyAddEstimate(Vector256.Create(T7), s, Vector256.Create(T6));
        p = Vector256.MultiplyAddEstimate(p, s, Vector256.Create(T5));
        p = Vector256.MultiplyAddEstimate(p, s, Vector256.Create(T4));
        p = Vector256.MultiplyAddEstimate(p, s, Vector256.Create(T3));
        p = Vector256.MultiplyAddEstimate(p, s, Vector256.Create(T2));
        p = Vector256.MultiplyAddEstimate(p, s, Vector256.Create(T1));
        Vector256<float> small = Vector256.MultiplyAddEstimate(p * s, x, x);
        return Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(TanhSeriesLimit)), small, large);
    }

    /// <inheritdoc cref="Tanh(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        Vector128<float> ax = Vector128.Abs(x);
        Vector128<float> t = Exp(ax * Vector128.Create(-2f));
        Vector128<float> large = Vector128.CopySign((Vector128<float>.One - t) / (Vector128<float>.One + t), x);
        Vector128<float> s = x * x;
        Vector128<float> p = Vector128.MultiplyAddEstimate(Vector128.Create(T7), s, Vector128.Create(T6));
        p = Vector128.MultiplyAddEstimate(p, s, Vector128.Create(T5));
        p = Vector128.MultiplyAddEstimate(p, s, Vector128.Create(T4));
        p = Vector128.MultiplyAddEstimate(p, s, Vector128.Create(T3));
        p = Vector128.MultiplyAddEstimate(p, s, Vector128.Create(T2));
        p = Vector128.MultiplyAddEstimate(p, s, Vector128.Create(T1));
        Vector128<float> small = Vector128.MultiplyAddEstimate(p * s, x, x);
        return Vector128.ConditionalSelect(Vector128.LessThan(ax, Vector128.Create(TanhSeriesLimit)), small, large);
    }

    /// <summary>e^x per lane (see the remarks of <see cref="VectorActivations"/>).</summary>
    /// <param name="x">The exponents; clamped to [-86.5, 88].</param>
    /// <returns>e^x, relative error about 1e-7.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(ExpLow)), Vector512.Create(ExpHigh));
        Vector512<float> n = Vector512.Round(x * Vector512.Create(Log2E));
        Vector512<float> r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-Ln2High), x);
        r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-Ln2Low), r);
        Vector512<float> p = Vector512.MultiplyAddEstimate(Vector512.Create(E7), r, Vector512.Create(E6));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(E5));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(E4));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(E3));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(E2));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512<float>.One);
        p = Vector512.MultiplyAddEstimate(p, r, Vector512<float>.One);
        Vector512<int> scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n), 23);
        return (p.AsInt32() + scale).AsSingle();
    }

    /// <inheritdoc cref="Exp(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(ExpLow)), Vector256.Create(ExpHigh));
        Vector256<float> n = Vector256.Round(x * Vector256.Create(Log2E));
        Vector256<float> r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2High), x);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Low), r);
        Vector256<float> p = Vector256.MultiplyAddEstimate(Vector256.Create(E7), r, Vector256.Create(E6));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E5));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E4));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E3));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E2));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256<float>.One);
        p = Vector256.MultiplyAddEstimate(p, r, Vector256<float>.One);
        Vector256<int> scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n), 23);
        return (p.AsInt32() + scale).AsSingle();
    }

    /// <inheritdoc cref="Exp(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        x = Vector128.Min(Vector128.Max(x, Vector128.Create(ExpLow)), Vector128.Create(ExpHigh));
        Vector128<float> n = Vector128.Round(x * Vector128.Create(Log2E));
        Vector128<float> r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-Ln2High), x);
        r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-Ln2Low), r);
        Vector128<float> p = Vector128.MultiplyAddEstimate(Vector128.Create(E7), r, Vector128.Create(E6));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(E5));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(E4));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(E3));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(E2));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128<float>.One);
        p = Vector128.MultiplyAddEstimate(p, r, Vector128<float>.One);
        Vector128<int> scale = Vector128.ShiftLeft(Vector128.ConvertToInt32(n), 23);
        return (p.AsInt32() + scale).AsSingle();
    }

    /// <summary>1 / (1 + e^-x) per lane, each through <see cref="Activations.Sigmoid(double)"/>.</summary>
    /// <param name="x">The inputs.</param>
    /// <returns>Values in [0, 1].</returns>
    public static Vector512<double> Sigmoid(Vector512<double> x) => Vector512.Create(Sigmoid(x.GetLower()), Sigmoid(x.GetUpper()));

    /// <inheritdoc cref="Sigmoid(Vector512{double})"/>
    public static Vector256<double> Sigmoid(Vector256<double> x) => Vector256.Create(Sigmoid(x.GetLower()), Sigmoid(x.GetUpper()));

    /// <inheritdoc cref="Sigmoid(Vector512{double})"/>
    public static Vector128<double> Sigmoid(Vector128<double> x) => Vector128.Create(Activations.Sigmoid(x.GetElement(0)), Activations.Sigmoid(x.GetElement(1)));

    /// <summary>tanh(x) per lane, each through <see cref="Math.Tanh"/>.</summary>
    /// <param name="x">The inputs.</param>
    /// <returns>Values in [-1, 1].</returns>
    public static Vector512<double> Tanh(Vector512<double> x) => Vector512.Create(Tanh(x.GetLower()), Tanh(x.GetUpper()));

    /// <inheritdoc cref="Tanh(Vector512{double})"/>
    public static Vector256<double> Tanh(Vector256<double> x) => Vector256.Create(Tanh(x.GetLower()), Tanh(x.GetUpper()));

    /// <inheritdoc cref="Tanh(Vector512{double})"/>
    public static Vector128<double> Tanh(Vector128<double> x) => Vector128.Create(Math.Tanh(x.GetElement(0)), Math.Tanh(x.GetElement(1)));

    /// <summary>The scalar sigmoid, so scalar and vector code read alike (<see cref="Activations.Sigmoid(float)"/>).</summary>
    /// <param name="x">The input.</param>
    /// <returns>A value in [0, 1].</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => Activations.Sigmoid(x);

    /// <inheritdoc cref="Sigmoid(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sigmoid(double x) => Activations.Sigmoid(x);

    /// <summary>The scalar tanh (<see cref="MathF.Tanh"/>).</summary>
    /// <param name="x">The input.</param>
    /// <returns>A value in [-1, 1].</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => MathF.Tanh(x);

    /// <inheritdoc cref="Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Tanh(double x) => Math.Tanh(x);

    /// <summary>max(x, 0) per lane; NaN stays NaN.</summary>
    /// <param name="x">The inputs.</param>
    /// <returns>The rectified inputs.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Relu(Vector512<float> x) => Vector512.Max(x, Vector512<float>.Zero);

    /// <inheritdoc cref="Relu(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Relu(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);

    /// <inheritdoc cref="Relu(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Relu(Vector128<float> x) => Vector128.Max(x, Vector128<float>.Zero);

    /// <inheritdoc cref="Relu(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Relu(Vector512<double> x) => Vector512.Max(x, Vector512<double>.Zero);

    /// <inheritdoc cref="Relu(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Relu(Vector256<double> x) => Vector256.Max(x, Vector256<double>.Zero);

    /// <inheritdoc cref="Relu(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Relu(Vector128<double> x) => Vector128.Max(x, Vector128<double>.Zero);

    /// <summary>max(x, 0), as <see cref="Math.Max(float, float)"/>.</summary>
    /// <param name="x">The input.</param>
    /// <returns>The rectified input.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Relu(float x) => Math.Max(x, 0f);

    /// <inheritdoc cref="Relu(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Relu(double x) => Math.Max(x, 0.0);

    /// <summary>x clamped to [-bound, bound] per lane (<c>cell_clip</c>).</summary>
    /// <param name="x">The inputs.</param>
    /// <param name="bound">The bound, at least 0.</param>
    /// <returns>The clamped inputs.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Clamp(Vector512<float> x, float bound) => Vector512.Min(Vector512.Max(x, Vector512.Create(-bound)), Vector512.Create(bound));

    /// <inheritdoc cref="Clamp(Vector512{float}, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Clamp(Vector256<float> x, float bound) => Vector256.Min(Vector256.Max(x, Vector256.Create(-bound)), Vector256.Create(bound));

    /// <inheritdoc cref="Clamp(Vector512{float}, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Clamp(Vector128<float> x, float bound) => Vector128.Min(Vector128.Max(x, Vector128.Create(-bound)), Vector128.Create(bound));

    /// <inheritdoc cref="Clamp(Vector512{float}, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Clamp(Vector512<double> x, double bound) => Vector512.Min(Vector512.Max(x, Vector512.Create(-bound)), Vector512.Create(bound));

    /// <inheritdoc cref="Clamp(Vector512{float}, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Clamp(Vector256<double> x, double bound) => Vector256.Min(Vector256.Max(x, Vector256.Create(-bound)), Vector256.Create(bound));

    /// <inheritdoc cref="Clamp(Vector512{float}, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Clamp(Vector128<double> x, double bound) => Vector128.Min(Vector128.Max(x, Vector128.Create(-bound)), Vector128.Create(bound));

    /// <summary>x clamped to [-bound, bound], as <see cref="Math.Clamp(float, float, float)"/>.</summary>
    /// <param name="x">The input.</param>
    /// <param name="bound">The bound, at least 0.</param>
    /// <returns>The clamped input.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Clamp(float x, float bound) => Math.Clamp(x, -bound, bound);

    /// <inheritdoc cref="Clamp(float, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Clamp(double x, double bound) => Math.Clamp(x, -bound, bound);
}
