using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.IO;

namespace RnnGen;

/// <summary>
/// A safetensors file read completely into memory and validated: an 8-byte little-endian header length, a JSON
/// header of at most 100 MB, then the data section, which the tensors must tile exactly. docs/safetensors.md lists
/// what is accepted and rejected.
/// </summary>
public sealed class SafetensorsFile
{
    private readonly Dictionary<string, SafetensorsTensor> _byName;

    private SafetensorsFile(Dictionary<string, string> metadata, List<SafetensorsTensor> tensors)
    {
        Metadata = new ReadOnlyDictionary<string, string>(metadata);
        Tensors = tensors.AsReadOnly();
        _byName = new Dictionary<string, SafetensorsTensor>(tensors.Count, StringComparer.Ordinal);
        foreach (SafetensorsTensor tensor in tensors)
        {
            _byName.Add(tensor.Name, tensor);
        }
    }

    /// <summary>The header's <c>__metadata__</c> map; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors in file order (the order of their data offsets).</summary>
    public IReadOnlyList<SafetensorsTensor> Tensors { get; }

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <param name="name">The tensor's name in the file.</param>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    public SafetensorsTensor this[string name] =>
        TryGetTensor(name, out SafetensorsTensor? tensor)
            ? tensor
            : throw new KeyNotFoundException($"The safetensors file has no tensor '{name}'.");

    /// <summary>Looks up the tensor named <paramref name="name"/>.</summary>
    /// <param name="name">The tensor's name in the file.</param>
    /// <param name="tensor">The tensor, when found.</param>
    /// <returns>Whether the file has a tensor of that name.</returns>
    public bool TryGetTensor(string name, [NotNullWhen(true)] out SafetensorsTensor? tensor)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out tensor);
    }

    /// <summary>
    /// Reads one safetensors file from the current position of <paramref name="stream"/>, which need not be seekable.
    /// Reading stops right after the last byte of the data section, so the stream may carry more after it.
    /// </summary>
    /// <param name="stream">The stream to read; it is not closed.</param>
    /// <returns>The validated file.</returns>
    /// <exception cref="InvalidDataException">The stream is truncated or is not a valid safetensors file of F16,
    /// BF16, F32 and F64 tensors; the message names the tensor at fault, if any.</exception>
    public static SafetensorsFile Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);

        // A seekable stream tells how many bytes remain, so lying lengths fail before anything large is allocated.
        long? remaining = stream.CanSeek ? Math.Max(0, stream.Length - stream.Position) : null;

        Span<byte> prefix = stackalloc byte[8];
        StreamReading.ReadExactly(stream, prefix, "the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength < 2)
        {
            throw new InvalidDataException($"Invalid safetensors file: header length {headerLength} cannot hold a JSON object.");
        }

        if (headerLength > SafetensorsHeader.MaxBytes)
        {
            throw new InvalidDataException($"Invalid safetensors file: header length {headerLength} exceeds the limit of {SafetensorsHeader.MaxBytes} bytes.");
        }

        if (remaining is long total && (long)headerLength > total - 8)
        {
            throw new InvalidDataException($"Invalid safetensors file: header length {headerLength} exceeds the {Math.Max(0, total - 8)} bytes left in the stream.");
        }

        byte[] header = StreamReading.ReadBytes(stream, (long)headerLength, remaining is not null, "the header");
        (Dictionary<string, string> metadata, List<SafetensorsEntry> entries) = SafetensorsHeader.Parse(header);

        long available = remaining is long all ? all - 8 - (long)headerLength : long.MaxValue;
        foreach (SafetensorsEntry entry in entries)
        {
            if (entry.End > available)
            {
                throw new InvalidDataException($"Truncated safetensors file: tensor '{entry.Name}' ends at byte {entry.End} of the data section, but only {available} bytes follow the header.");
            }
        }

        var tensors = new List<SafetensorsTensor>(entries.Count);
        foreach (SafetensorsEntry entry in entries)
        {
            byte[] data = StreamReading.ReadBytes(stream, entry.End - entry.Begin, remaining is not null, $"tensor '{entry.Name}'");
            tensors.Add(new SafetensorsTensor(entry.Name, entry.DType, entry.Shape, data));
        }

        return new SafetensorsFile(metadata, tensors);
    }
}
