using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RnnGen;

/// <summary>
/// The training state of an optimizer as a safetensors file (docs/training-runtime.md): string metadata (kind,
/// element type, parameter count, step count, learning rate, hyperparameters) and one 1-D tensor per buffer, in the
/// optimizer's own precision so that a round trip is bit-exact.
/// </summary>
internal static class TrainingStateFile
{
    public const string OptimizerKey = "optimizer";
    public const string DTypeKey = "dtype";
    public const string ParameterCountKey = "parameter_count";
    public const string StepKey = "step";
    public const string LearningRateKey = "learning_rate";

    public static SafetensorsDType DTypeOf<T>() => typeof(T) == typeof(float) ? SafetensorsDType.F32 : SafetensorsDType.F64;

    /// <summary>The shortest text that parses back to exactly <paramref name="value"/>.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Format(Hyperparameter hyperparameter) =>
        hyperparameter.IsFlag ? (hyperparameter.Value != 0.0 ? "true" : "false") : Format(hyperparameter.Value);

    /// <summary>Writes the header (metadata in the given order, then the tensors in order, padded with spaces to a
    /// multiple of 8 bytes) and the tensors' little-endian bytes. The bytes depend only on the arguments.</summary>
    public static void Write<T>(Stream stream, IReadOnlyList<KeyValuePair<string, string>> metadata, IReadOnlyList<(string Name, T[] Values)> tensors)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        SafetensorsDType dtype = DTypeOf<T>();
        int elementSize = SafetensorsDTypes.Size(dtype);
        var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject(SafetensorsHeader.MetadataKey);
            foreach (KeyValuePair<string, string> entry in metadata)
            {
                writer.WriteString(entry.Key, entry.Value);
            }

            writer.WriteEndObject();
            long offset = 0;
            foreach ((string name, T[] values) in tensors)
            {
                writer.WriteStartObject(name);
                writer.WriteString("dtype", SafetensorsDTypes.Name(dtype));
                writer.WriteStartArray("shape");
                writer.WriteNumberValue(values.Length);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset += (long)values.Length * elementSize;
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        while (json.Length % 8 != 0)
        {
            json.WriteByte((byte)' ');
        }

        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)json.Length);
        stream.Write(prefix);
        json.Position = 0;
        json.CopyTo(stream);
        foreach ((_, T[] values) in tensors)
        {
            stream.Write(ToLittleEndianBytes<T>(values));
        }
    }

    /// <summary>Copies a tensor already checked to be of <typeparamref name="T"/>'s dtype and of the buffer's length.</summary>
    public static void CopyTo<T>(SafetensorsTensor tensor, T[] buffer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            tensor.CopyTo(MemoryMarshal.Cast<T, float>(buffer.AsSpan()));
        }
        else
        {
            tensor.CopyTo(MemoryMarshal.Cast<T, double>(buffer.AsSpan()));
        }
    }

    public static string RequireText(SafetensorsFile file, string key)
    {
        if (!file.Metadata.TryGetValue(key, out string? text))
        {
            throw new InvalidDataException($"The training state has no '{key}' in its metadata; it was not written by Optimizer.Save.");
        }

        return text;
    }

    public static long RequireInteger(SafetensorsFile file, string key)
    {
        string text = RequireText(file, key);
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
        {
            throw new InvalidDataException($"The training state's '{key}' is '{text}'; expected a non-negative integer.");
        }

        return value;
    }

    public static double RequireNumber(SafetensorsFile file, string key)
    {
        string text = RequireText(file, key);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            throw new InvalidDataException($"The training state's '{key}' is '{text}'; expected a number.");
        }

        return value;
    }

    /// <summary>Reads a hyperparameter and requires it to equal the optimizer's own, bit for bit.</summary>
    public static void RequireEqual(SafetensorsFile file, Hyperparameter expected)
    {
        string text = RequireText(file, expected.Name);
        bool same = expected.IsFlag
            ? text == Format(expected)
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value.Equals(expected.Value);
        if (!same)
        {
            throw new InvalidDataException($"The training state was saved with {expected.Name} {text}; this optimizer has {Format(expected)}. The saved moments belong to the saved settings: construct the optimizer with them to resume.");
        }
    }

    private static byte[] ToLittleEndianBytes<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            ReadOnlySpan<float> singles = MemoryMarshal.Cast<T, float>(values);
            var bytes = new byte[4 * singles.Length];
            for (int i = 0; i < singles.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), singles[i]);
            }

            return bytes;
        }
        else
        {
            ReadOnlySpan<double> doubles = MemoryMarshal.Cast<T, double>(values);
            var bytes = new byte[8 * doubles.Length];
            for (int i = 0; i < doubles.Length; i++)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), doubles[i]);
            }

            return bytes;
        }
    }
}
