using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;

namespace RnnGen;

/// <summary>
/// The one place that turns safetensors elements (little-endian bytes) into model values, shared by
/// <see cref="Safetensors"/> loading and <see cref="CompiledWeights"/>, so weights compiled into a class
/// equal the same file loaded at run time bit for bit.
/// </summary>
internal static class SafetensorsConversion
{
    /// <summary>F16, BF16 and F32 exactly; F64 rounded to nearest (a magnitude beyond float's range becomes infinity).</summary>
    public static float ToSingle(ReadOnlySpan<byte> data, SafetensorsDType dtype, int index) => dtype switch
    {
        SafetensorsDType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(data.Slice(2 * index)),
        SafetensorsDType.BF16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(2 * index)) << 16),
        SafetensorsDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(data.Slice(4 * index)),
        _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(data.Slice(8 * index)),
    };

    /// <summary>Every supported dtype converts to double exactly.</summary>
    public static double ToDouble(ReadOnlySpan<byte> data, SafetensorsDType dtype, int index) => dtype == SafetensorsDType.F64
        ? BinaryPrimitives.ReadDoubleLittleEndian(data.Slice(8 * index))
        : ToSingle(data, dtype, index);

    /// <summary>Converts <c>destination.Length</c> elements and refuses a finite F64 value that float cannot hold,
    /// rather than loading an infinity the file never had. <c>firstIndex</c> is the index of <c>data</c>'s first element
    /// within the tensor, for the message.</summary>
    public static void Copy(ReadOnlySpan<byte> data, SafetensorsDType dtype, Span<float> destination, string tensorName, int firstIndex)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            float value = ToSingle(data, dtype, i);
            if (float.IsInfinity(value) && dtype == SafetensorsDType.F64 && double.IsFinite(ToDouble(data, dtype, i)))
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"Tensor '{tensorName}' holds {ToDouble(data, dtype, i):R} at element {firstIndex + i}, beyond the range of float32."));
            }

            destination[i] = value;
        }
    }

    public static void Copy(ReadOnlySpan<byte> data, SafetensorsDType dtype, Span<double> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = ToDouble(data, dtype, i);
        }
    }
}
