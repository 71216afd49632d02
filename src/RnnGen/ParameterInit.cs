using System;

namespace RnnGen;

/// <summary>
/// Fills parameter tensors from an <see cref="InitRandom"/>, one draw per element in span order, so a model's
/// initial values depend only on its seed and on <c>ParameterLayout</c> order.
/// </summary>
public static class ParameterInit
{
    /// <summary>Fills <paramref name="destination"/> from U(-bound, bound): each element is <c>bound * (2u - 1)</c>
    /// with <c>u = NextDouble()</c>, rounded to float.</summary>
    /// <param name="destination">The elements to overwrite.</param>
    /// <param name="bound">The half-width of the interval, finite and not negative.</param>
    /// <param name="random">The generator; advanced by one draw per element.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bound"/> is negative, infinite or NaN.</exception>
    public static void Uniform(Span<float> destination, double bound, ref InitRandom random)
    {
        CheckBound(bound);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)(bound * (2.0 * random.NextDouble() - 1.0));
        }
    }

    /// <summary>Fills <paramref name="destination"/> from U(-bound, bound): each element is <c>bound * (2u - 1)</c>
    /// with <c>u = NextDouble()</c>.</summary>
    /// <param name="destination">The elements to overwrite.</param>
    /// <param name="bound">The half-width of the interval, finite and not negative.</param>
    /// <param name="random">The generator; advanced by one draw per element.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bound"/> is negative, infinite or NaN.</exception>
    public static void Uniform(Span<double> destination, double bound, ref InitRandom random)
    {
        CheckBound(bound);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = bound * (2.0 * random.NextDouble() - 1.0);
        }
    }

    /// <summary>Fills <paramref name="destination"/> from N(0, 1) with <see cref="InitRandom.NextNormal"/>, rounded to float.</summary>
    /// <param name="destination">The elements to overwrite.</param>
    /// <param name="random">The generator; advanced by two draws per element.</param>
    public static void Normal(Span<float> destination, ref InitRandom random)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)random.NextNormal();
        }
    }

    /// <summary>Fills <paramref name="destination"/> from N(0, 1) with <see cref="InitRandom.NextNormal"/>.</summary>
    /// <param name="destination">The elements to overwrite.</param>
    /// <param name="random">The generator; advanced by two draws per element.</param>
    public static void Normal(Span<double> destination, ref InitRandom random)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = random.NextNormal();
        }
    }

    /// <summary>Fills <paramref name="destination"/>, a row-major [rows, cols] matrix, with a random (semi-)orthogonal
    /// matrix, as <c>torch.nn.init.orthogonal_</c> does for one block: orthonormal columns when rows &gt;= cols,
    /// orthonormal rows otherwise. Draws min(rows, cols) vectors of max(rows, cols) standard normals, one vector after
    /// another, and orthonormalizes them by modified Gram-Schmidt applied twice, in double.</summary>
    /// <param name="destination">The rows * cols elements to overwrite.</param>
    /// <param name="rows">Rows of the matrix.</param>
    /// <param name="cols">Columns of the matrix.</param>
    /// <param name="random">The generator.</param>
    /// <exception cref="ArgumentException">The span does not hold rows * cols elements.</exception>
    public static void Orthogonal(Span<float> destination, int rows, int cols, ref InitRandom random)
    {
        double[] q = OrthogonalMatrix(destination.Length, rows, cols, ref random);
        for (int i = 0; i < q.Length; i++)
        {
            destination[i] = (float)q[i];
        }
    }

    /// <inheritdoc cref="Orthogonal(Span{float}, int, int, ref InitRandom)"/>
    public static void Orthogonal(Span<double> destination, int rows, int cols, ref InitRandom random) =>
        OrthogonalMatrix(destination.Length, rows, cols, ref random).CopyTo(destination);

    private static double[] OrthogonalMatrix(int length, int rows, int cols, ref InitRandom random)
    {
        if (rows < 1 || cols < 1 || (long)rows * cols != length)
        {
            throw new ArgumentException($"An orthogonal block of [{rows}, {cols}] needs {(long)rows * cols} elements, not {length}.");
        }

        int count = Math.Min(rows, cols);
        int size = Math.Max(rows, cols);
        var vectors = new double[count][];
        for (int k = 0; k < count; k++)
        {
            double[] v = new double[size];
            double norm;
            do
            {
                for (int i = 0; i < size; i++)
                {
                    v[i] = random.NextNormal();
                }

                for (int pass = 0; pass < 2; pass++)
                {
                    for (int j = 0; j < k; j++)
                    {
                        double dot = 0;
                        for (int i = 0; i < size; i++)
                        {
                            dot += v[i] * vectors[j][i];
                        }

                        for (int i = 0; i < size; i++)
                        {
                            v[i] -= dot * vectors[j][i];
                        }
                    }
                }

                norm = 0;
                for (int i = 0; i < size; i++)
                {
                    norm += v[i] * v[i];
                }

                norm = Math.Sqrt(norm);
            }
            while (norm < 1e-8);

            for (int i = 0; i < size; i++)
            {
                v[i] /= norm;
            }

            vectors[k] = v;
        }

        var q = new double[length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                q[(r * cols) + c] = rows >= cols ? vectors[c][r] : vectors[r][c];
            }
        }

        return q;
    }

    private static void CheckBound(double bound)
    {
        if (!double.IsFinite(bound) || bound < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bound), bound, "The bound must be finite and not negative.");
        }
    }
}
