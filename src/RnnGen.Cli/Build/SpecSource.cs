using System;
using System.IO;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Generators;

namespace RnnGen.Cli.Build;

/// <summary>One spec file as the build hands it to the generator: its path as the user gave it, and its text.</summary>
internal sealed class SpecSource : AdditionalText
{
    /// <summary>Far beyond any spec (the parser stops at 64 KiB with RNN0002), small enough to read whole.</summary>
    private const int MaxChars = 16 * 1024 * 1024;

    private const int ChunkChars = 64 * 1024;

    private readonly SourceText _text;

    private SpecSource(string path, string text)
    {
        Path = path;
        _text = SourceText.From(text);
    }

    public override string Path { get; }

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;

    /// <summary>Whether the build would treat <paramref name="path"/> as a spec (<c>*.rnn.yaml</c>).</summary>
    public static bool IsSpecPath(string path) => SpecFiles.IsSpec(path);

    /// <summary>Reads a spec file; on failure <paramref name="error"/> says why in a sentence naming the file.</summary>
    public static bool TryRead(string path, out SpecSource? spec, out string? error)
    {
        spec = null;
        try
        {
            using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
            var text = new StringBuilder();
            var chunk = new char[ChunkChars];
            int read;
            while ((read = reader.ReadBlock(chunk, 0, chunk.Length)) > 0)
            {
                // Checked as it is read: a device or a pipe has no length to check beforehand.
                if (text.Length + read > MaxChars)
                {
                    error = $"{path}: the file is larger than {MaxChars / (1024 * 1024)} MiB; a spec is a few dozen lines";
                    return false;
                }

                text.Append(chunk, 0, read);
            }

            spec = new SpecSource(path, text.ToString());
            error = null;
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = FileErrors.Describe(path, exception);
            return false;
        }
    }
}
