using System;
using Xunit.Sdk;

namespace RnnGen.Tests.Training;

/// <summary>Element-wise comparison with a relative tolerance and an absolute floor, reporting the worst element.</summary>
internal static class Differences
{
    /// <summary>Fails unless <c>|actual - expected| &lt;= relative * |expected| + absolute</c> for every element.</summary>
    /// <returns>The largest relative difference <c>|actual - expected| / |expected|</c> over the non-zero expected
    /// values, for the report.</returns>
    public static double AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double relative, double absolute, string what)
    {
        if (expected.Length != actual.Length)
        {
            throw new XunitException($"{what}: expected {expected.Length} values, got {actual.Length}");
        }

        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= (relative * Math.Abs(expected[i])) + absolute))
            {
                throw new XunitException($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (error {error:E3} over {relative:E0}*|x| + {absolute:E0})");
            }

            if (expected[i] != 0)
            {
                worst = Math.Max(worst, error / Math.Abs(expected[i]));
            }
        }

        return worst;
    }

    /// <summary>How many elements are identical bit for bit.</summary>
    public static int Identical(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        int same = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            same += BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]) ? 1 : 0;
        }

        return same;
    }
}
