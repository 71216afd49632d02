using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RnnGen;

/// <summary>
/// Loads and saves a model's flat parameter vector as a safetensors file whose tensors carry the PyTorch
/// <c>state_dict</c> names of <see cref="ParameterInfo"/>. Loading is strict: the file must hold exactly the
/// layout's tensors with exactly their shapes.
/// </summary>
public static class Safetensors
{
    private const int WriteChunkBytes = 1 << 16;

    /// <summary>Loads every tensor of <paramref name="layout"/> from <paramref name="stream"/> into
    /// <paramref name="parameters"/>, converting F16, BF16, F32 and F64 to float.</summary>
    /// <param name="stream">A safetensors file; it need not be seekable and is not closed.</param>
    /// <param name="layout">The model's tensors and their places in <paramref name="parameters"/>.</param>
    /// <param name="parameters">The model's flat parameters; written only when the whole file is valid.</param>
    /// <exception cref="InvalidDataException">The file is not valid, lacks a tensor of the layout, has one the layout
    /// does not know, has a wrong shape, or holds an F64 value beyond float's range; the message names the tensor.
    /// <paramref name="parameters"/> is then unchanged.</exception>
    /// <exception cref="ArgumentException">The layout repeats a name or reaches beyond <paramref name="parameters"/>.</exception>
    public static void Load(Stream stream, IReadOnlyList<ParameterInfo> layout, Span<float> parameters)
    {
        SafetensorsTensor[] tensors = ReadMatching(stream, layout, parameters.Length);
        float[] staged = parameters.ToArray();
        for (int i = 0; i < tensors.Length; i++)
        {
            tensors[i].CopyTo(staged.AsSpan(layout[i].Offset, layout[i].Length));
        }

        staged.CopyTo(parameters);
    }

    /// <summary>Loads every tensor of <paramref name="layout"/> from <paramref name="stream"/> into
    /// <paramref name="parameters"/>, converting F16, BF16, F32 and F64 to double (all exactly).</summary>
    /// <param name="stream">A safetensors file; it need not be seekable and is not closed.</param>
    /// <param name="layout">The model's tensors and their places in <paramref name="parameters"/>.</param>
    /// <param name="parameters">The model's flat parameters; written only when the whole file is valid.</param>
    /// <exception cref="InvalidDataException">The file is not valid, lacks a tensor of the layout, has one the layout
    /// does not know or has a wrong shape; the message names the tensor. <paramref name="parameters"/> is then
    /// unchanged.</exception>
    /// <exception cref="ArgumentException">The layout repeats a name or reaches beyond <paramref name="parameters"/>.</exception>
    public static void Load(Stream stream, IReadOnlyList<ParameterInfo> layout, Span<double> parameters)
    {
        SafetensorsTensor[] tensors = ReadMatching(stream, layout, parameters.Length);
        double[] staged = parameters.ToArray();
        for (int i = 0; i < tensors.Length; i++)
        {
            tensors[i].CopyTo(staged.AsSpan(layout[i].Offset, layout[i].Length));
        }

        staged.CopyTo(parameters);
    }

    /// <summary>Writes every tensor of <paramref name="layout"/>, in layout order, as F32, with
    /// <c>__metadata__</c> <c>{"format": "pt", "model": modelName}</c>. The bytes depend only on the arguments.</summary>
    /// <param name="stream">The destination; it is not closed.</param>
    /// <param name="layout">The model's tensors and their places in <paramref name="parameters"/>.</param>
    /// <param name="parameters">The model's flat parameters.</param>
    /// <param name="modelName">The model's name, recorded in the metadata.</param>
    /// <exception cref="ArgumentException">The layout repeats a name, uses <c>__metadata__</c> as one, or reaches
    /// beyond <paramref name="parameters"/>.</exception>
    public static void Save(Stream stream, IReadOnlyList<ParameterInfo> layout, ReadOnlySpan<float> parameters, string modelName)
    {
        WriteHeader(stream, layout, parameters.Length, modelName, SafetensorsDType.F32);
        Span<byte> chunk = new byte[(int)Math.Min(WriteChunkBytes, 4L * parameters.Length)];
        foreach (ParameterInfo parameter in layout)
        {
            ReadOnlySpan<float> values = parameters.Slice(parameter.Offset, parameter.Length);
            while (!values.IsEmpty)
            {
                int count = Math.Min(values.Length, chunk.Length / 4);
                for (int i = 0; i < count; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(chunk[(4 * i)..], values[i]);
                }

                stream.Write(chunk[..(4 * count)]);
                values = values[count..];
            }
        }
    }

    /// <summary>Writes every tensor of <paramref name="layout"/>, in layout order, as F64, with
    /// <c>__metadata__</c> <c>{"format": "pt", "model": modelName}</c>. The bytes depend only on the arguments.</summary>
    /// <param name="stream">The destination; it is not closed.</param>
    /// <param name="layout">The model's tensors and their places in <paramref name="parameters"/>.</param>
    /// <param name="parameters">The model's flat parameters.</param>
    /// <param name="modelName">The model's name, recorded in the metadata.</param>
    /// <exception cref="ArgumentException">The layout repeats a name, uses <c>__metadata__</c> as one, or reaches
    /// beyond <paramref name="parameters"/>.</exception>
    public static void Save(Stream stream, IReadOnlyList<ParameterInfo> layout, ReadOnlySpan<double> parameters, string modelName)
    {
        WriteHeader(stream, layout, parameters.Length, modelName, SafetensorsDType.F64);
        Span<byte> chunk = new byte[(int)Math.Min(WriteChunkBytes, 8L * parameters.Length)];
        foreach (ParameterInfo parameter in layout)
        {
            ReadOnlySpan<double> values = parameters.Slice(parameter.Offset, parameter.Length);
            while (!values.IsEmpty)
            {
                int count = Math.Min(values.Length, chunk.Length / 8);
                for (int i = 0; i < count; i++)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(chunk[(8 * i)..], values[i]);
                }

                stream.Write(chunk[..(8 * count)]);
                values = values[count..];
            }
        }
    }

    /// <summary>Reads and validates the file, then pairs each layout entry with its tensor (same index), checking
    /// names and shapes both ways before anything is converted.</summary>
    private static SafetensorsTensor[] ReadMatching(Stream stream, IReadOnlyList<ParameterInfo> layout, int parameterCount)
    {
        ArgumentNullException.ThrowIfNull(stream);
        HashSet<string> names = CheckLayout(layout, parameterCount);
        SafetensorsFile file = SafetensorsFile.Read(stream);

        var matched = new SafetensorsTensor[layout.Count];
        for (int i = 0; i < matched.Length; i++)
        {
            ParameterInfo parameter = layout[i];
            if (!file.TryGetTensor(parameter.Name, out SafetensorsTensor? tensor))
            {
                throw new InvalidDataException($"The safetensors file has no tensor '{parameter.Name}' {ShapeText.Format(parameter.Shape)}, a parameter of this model.");
            }

            if (!SameShape(tensor.Shape, parameter.Shape))
            {
                throw new InvalidDataException($"Tensor '{parameter.Name}' has shape {ShapeText.Format(tensor.Shape)} in the safetensors file; this model needs {ShapeText.Format(parameter.Shape)}.");
            }

            matched[i] = tensor;
        }

        foreach (SafetensorsTensor tensor in file.Tensors)
        {
            if (!names.Contains(tensor.Name))
            {
                throw new InvalidDataException($"The safetensors file has tensor '{tensor.Name}' {ShapeText.Format(tensor.Shape)}, which is not a parameter of this model.");
            }
        }

        return matched;
    }

    private static void WriteHeader(Stream stream, IReadOnlyList<ParameterInfo> layout, int parameterCount, string modelName, SafetensorsDType dtype)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(modelName);
        CheckLayout(layout, parameterCount);

        int elementSize = SafetensorsDTypes.Size(dtype);
        var json = new MemoryStream();
        // Relaxed escaping keeps names readable; the header is JSON, never HTML.
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject(SafetensorsHeader.MetadataKey);
            writer.WriteString("format", "pt");
            writer.WriteString("model", modelName);
            writer.WriteEndObject();

            long offset = 0;
            foreach (ParameterInfo parameter in layout)
            {
                writer.WriteStartObject(parameter.Name);
                writer.WriteString("dtype", SafetensorsDTypes.Name(dtype));
                writer.WriteStartArray("shape");
                foreach (int dimension in parameter.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset += (long)parameter.Length * elementSize;
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        // Spaces pad the header so the data section starts 8-byte aligned, as the format recommends.
        long paddedLength = (json.Length + 7) & ~7L;
        while (json.Length < paddedLength)
        {
            json.WriteByte((byte)' ');
        }

        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)paddedLength);
        stream.Write(prefix);
        json.Position = 0;
        json.CopyTo(stream);
    }

    /// <summary>Checks what the caller (generated code) guarantees: unique names, none reserved, all within the span.</summary>
    private static HashSet<string> CheckLayout(IReadOnlyList<ParameterInfo> layout, int parameterCount)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var names = new HashSet<string>(layout.Count, StringComparer.Ordinal);
        foreach (ParameterInfo parameter in layout)
        {
            ArgumentNullException.ThrowIfNull(parameter, nameof(layout));
            if (parameter.Name == SafetensorsHeader.MetadataKey)
            {
                throw new ArgumentException($"'{SafetensorsHeader.MetadataKey}' is reserved by the safetensors format and cannot name a parameter.", nameof(layout));
            }

            if (!names.Add(parameter.Name))
            {
                throw new ArgumentException($"The layout has two parameters named '{parameter.Name}'.", nameof(layout));
            }

            if ((long)parameter.Offset + parameter.Length > parameterCount)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Parameter {parameter} reaches beyond the {parameterCount} parameters given."), nameof(layout));
            }
        }

        return names;
    }

    private static bool SameShape(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }
}
