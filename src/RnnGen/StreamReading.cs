using System;
using System.IO;

namespace RnnGen;

/// <summary>Reads exact byte counts and turns a short stream into <see cref="InvalidDataException"/>: a truncated
/// weight file is bad data, not an I/O failure.</summary>
internal static class StreamReading
{
    private const int InitialChunk = 1 << 20;

    public static void ReadExactly(Stream stream, Span<byte> buffer, string what)
    {
        int read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
        {
            throw new InvalidDataException($"The stream ends inside {what}: {read} of {buffer.Length} bytes present.");
        }
    }

    /// <summary>Reads <paramref name="count"/> bytes. When the stream's length was not checked beforehand the buffer
    /// grows as bytes arrive, so a header that lies about sizes cannot force a huge allocation.</summary>
    public static byte[] ReadBytes(Stream stream, long count, bool lengthChecked, string what)
    {
        if (count > Array.MaxLength)
        {
            throw new InvalidDataException($"{Capitalize(what)} has {count} bytes, more than one buffer can hold ({Array.MaxLength}).");
        }

        if (lengthChecked)
        {
            var exact = new byte[count];
            ReadExactly(stream, exact, what);
            return exact;
        }

        var buffer = new byte[Math.Min(count, InitialChunk)];
        int filled = 0;
        while (filled < count)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(count, 2L * buffer.Length));
            }

            int read = stream.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
            {
                throw new InvalidDataException($"The stream ends inside {what}: {filled} of {count} bytes present.");
            }

            filled += read;
        }

        return buffer;
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
