using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace RnnGen.Tests.Fuzzing;

/// <summary>One tensor of a <see cref="SafetensorsImage"/>: its values (as the dtype holds them) and the raw JSON of
/// each header field, which a mutation may replace with anything.</summary>
internal sealed class ImageTensor
{
    public ImageTensor(string name, string encoding, int[] shape, double[] values)
    {
        Name = name;
        Encoding = encoding;
        Values = values;
        DTypeJson = Json(encoding);
        ShapeJson = "[" + string.Join(",", shape) + "]";
    }

    public string Name { get; set; }

    /// <summary>How <see cref="Values"/> are written into the data section: F16, BF16, F32 or F64.</summary>
    public string Encoding { get; }

    public double[] Values { get; }

    public string DTypeJson { get; set; }

    public string ShapeJson { get; set; }

    /// <summary>The data_offsets value; null writes the true offsets.</summary>
    public string? OffsetsJson { get; set; }

    /// <summary>Raw JSON fields after data_offsets, starting with a comma.</summary>
    public string ExtraFields { get; set; } = string.Empty;

    /// <summary>The whole entry's value, replacing the object built from the fields above.</summary>
    public string? EntryJson { get; set; }

    public int ElementSize => Encoding switch { "F16" or "BF16" => 2, "F32" => 4, _ => 8 };

    public static string Json(string text) => "\"" + text + "\"";

    /// <summary>The value the dtype keeps of <paramref name="value"/>: what a correct reader gives back.</summary>
    public static double Round(string encoding, double value) => encoding switch
    {
        "F16" => (double)(Half)value,
        "BF16" => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits((float)value) & unchecked((int)0xFFFF0000)),
        "F32" => (float)value,
        _ => value,
    };

    public void WriteValues(Stream data)
    {
        var element = new byte[ElementSize];
        foreach (double value in Values)
        {
            switch (Encoding)
            {
                case "F16": BinaryPrimitives.WriteHalfLittleEndian(element, (Half)value); break;
                case "BF16": BinaryPrimitives.WriteUInt16LittleEndian(element, (ushort)(BitConverter.SingleToUInt32Bits((float)value) >> 16)); break;
                case "F32": BinaryPrimitives.WriteSingleLittleEndian(element, (float)value); break;
                default: BinaryPrimitives.WriteDoubleLittleEndian(element, value); break;
            }

            data.Write(element);
        }
    }
}

/// <summary>
/// A safetensors file held as parts (metadata, tensor entries, data) so that mutations can edit any field, and
/// rendered to bytes by its own writer, independently of the library's. The header's entries are written in a
/// shuffled order with a little whitespace, as other writers do; the data section follows the tensor order.
/// </summary>
internal sealed class SafetensorsImage
{
    public List<ImageTensor> Tensors { get; } = [];

    /// <summary>The raw <c>__metadata__</c> value, or null for none.</summary>
    public string? MetadataJson { get; set; } = "{\"format\":\"pt\"}";

    /// <summary>Raw JSON entries added to the header object, starting with a comma.</summary>
    public string ExtraEntries { get; set; } = string.Empty;

    /// <summary>Bytes appended after the tensors' data.</summary>
    public byte[] Trailer { get; set; } = [];

    /// <summary>An image of every tensor of <paramref name="layout"/>, each in a random dtype, with random values.</summary>
    public static SafetensorsImage Random(IReadOnlyList<ParameterInfo> layout, Random random)
    {
        string[] encodings = ["F16", "BF16", "F32", "F64"];
        var image = new SafetensorsImage();
        foreach (ParameterInfo parameter in layout)
        {
            string encoding = encodings[random.Next(encodings.Length)];
            double[] values = Enumerable.Range(0, parameter.Length).Select(_ => ImageTensor.Round(encoding, (random.NextDouble() * 4) - 2)).ToArray();
            image.Tensors.Add(new ImageTensor(parameter.Name, encoding, parameter.Shape.ToArray(), values));
        }

        return image;
    }

    public byte[] Render(Random random)
    {
        var data = new MemoryStream();
        var entries = new List<string>();
        foreach (ImageTensor tensor in Tensors)
        {
            long begin = data.Length;
            tensor.WriteValues(data);
            string offsets = tensor.OffsetsJson ?? string.Create(CultureInfo.InvariantCulture, $"[{begin},{data.Length}]");
            string entry = tensor.EntryJson ?? $"{{\"dtype\":{tensor.DTypeJson},\"shape\":{tensor.ShapeJson},\"data_offsets\":{offsets}{tensor.ExtraFields}}}";
            entries.Add($"{Escape(tensor.Name)}:{entry}");
        }

        if (MetadataJson is not null)
        {
            entries.Add($"\"__metadata__\":{MetadataJson}");
        }

        string[] shuffled = entries.OrderBy(_ => random.Next()).ToArray();
        string separator = random.Next(3) == 0 ? ", \n  " : ",";
        byte[] header = Encoding.UTF8.GetBytes("{" + string.Join(separator, shuffled) + ExtraEntries + "}" + new string(' ', random.Next(8)));

        var file = new byte[8 + header.Length + data.Length + Trailer.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.ToArray().CopyTo(file, 8 + header.Length);
        Trailer.CopyTo(file, 8 + header.Length + data.Length);
        return file;
    }

    /// <summary>The 8 bytes of the prefix plus the header: where the data section starts.</summary>
    public static long DataStart(byte[] file) => 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(file);

    private static string Escape(string name) => "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
