using System;
using System.ComponentModel;

namespace RnnGen;

/// <summary>
/// Reads the weights the generator compiled into a class (spec key <c>weights</c>, docs/weights.md). Each tensor's
/// data, as the safetensors file holds it, is a string literal of the generated class: two bytes per char, the low
/// byte first, so the literal means the same bytes on any machine. A string literal is read-only data of the
/// assembly: no file is read at run time. Values convert exactly as <see cref="Safetensors"/> loading converts them.
/// Generated code calls this; it is public for that reason only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class CompiledWeights
{
    // Bytes converted per chunk: a multiple of every element size, small enough for the stack.
    private const int ChunkBytes = 1024;

    /// <summary>Converts one compiled tensor into <paramref name="destination"/>.</summary>
    /// <param name="data">The tensor's bytes, two per char, the low byte first.</param>
    /// <param name="dtype">The tensor's element type in the safetensors file.</param>
    /// <param name="destination">The tensor's slice of the model's parameters.</param>
    /// <param name="tensorName">The tensor's name, for messages.</param>
    /// <exception cref="ArgumentException"><paramref name="data"/> does not hold exactly <paramref name="destination"/>'s elements.</exception>
    public static void Read(string data, SafetensorsDType dtype, Span<float> destination, string tensorName)
    {
        int size = CheckLength(data, dtype, destination.Length, tensorName);
        Span<byte> chunk = stackalloc byte[ChunkBytes];
        int perChunk = ChunkBytes / size;
        for (int first = 0; first < destination.Length; first += perChunk)
        {
            int count = Math.Min(perChunk, destination.Length - first);
            Unpack(data.AsSpan(first * size / 2, count * size / 2), chunk);
            SafetensorsConversion.Copy(chunk, dtype, destination.Slice(first, count), tensorName, first);
        }
    }

    /// <summary>Converts one compiled tensor into <paramref name="destination"/> (every dtype exactly).</summary>
    /// <param name="data">The tensor's bytes, two per char, the low byte first.</param>
    /// <param name="dtype">The tensor's element type in the safetensors file.</param>
    /// <param name="destination">The tensor's slice of the model's parameters.</param>
    /// <param name="tensorName">The tensor's name, for messages.</param>
    /// <exception cref="ArgumentException"><paramref name="data"/> does not hold exactly <paramref name="destination"/>'s elements.</exception>
    public static void Read(string data, SafetensorsDType dtype, Span<double> destination, string tensorName)
    {
        int size = CheckLength(data, dtype, destination.Length, tensorName);
        Span<byte> chunk = stackalloc byte[ChunkBytes];
        int perChunk = ChunkBytes / size;
        for (int first = 0; first < destination.Length; first += perChunk)
        {
            int count = Math.Min(perChunk, destination.Length - first);
            Unpack(data.AsSpan(first * size / 2, count * size / 2), chunk);
            SafetensorsConversion.Copy(chunk, dtype, destination.Slice(first, count));
        }
    }

    private static int CheckLength(string data, SafetensorsDType dtype, int elements, string tensorName)
    {
        ArgumentNullException.ThrowIfNull(data);
        int size = SafetensorsDTypes.Size(dtype);
        if (2L * data.Length != (long)elements * size)
        {
            throw new ArgumentException($"The compiled data of tensor '{tensorName}' holds {2L * data.Length} bytes; {elements} {SafetensorsDTypes.Name(dtype)} values need {(long)elements * size}.", nameof(data));
        }

        return size;
    }

    private static void Unpack(ReadOnlySpan<char> chars, Span<byte> bytes)
    {
        for (int i = 0; i < chars.Length; i++)
        {
            bytes[2 * i] = (byte)chars[i];
            bytes[(2 * i) + 1] = (byte)(chars[i] >> 8);
        }
    }
}
