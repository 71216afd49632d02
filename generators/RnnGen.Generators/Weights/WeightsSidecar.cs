using System;
using System.Globalization;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Generators.Common;

namespace RnnGen.Generators.Weights;

/// <summary>A sidecar the build step wrote, with the full path of the weights file it encodes.</summary>
internal readonly record struct SidecarFile(string SourcePath, AdditionalText Text);

/// <summary>
/// What a sidecar says about its weights file: the file's length and, when it is within
/// <see cref="WeightsSidecar.MaxBytes"/>, its bytes as base64; or what is wrong with the sidecar.
/// Plain strings, so that an unchanged file compares equal (and fast) from one run to the next.
/// </summary>
internal sealed record WeightsFileData(string SourcePath, long Length, string Base64, string? Problem);

/// <summary>
/// The text files through which weights reach the generator. The compiler reads additional files as text (a NUL
/// byte fails it) and a generator may not open files itself, so the package's build step (RnnGen.targets, target
/// <c>RnnGenEncodeWeights</c>) writes for every <c>RnnGenWeights</c> item a sidecar under <c>obj/</c>:
/// <code>
/// rnngen-weights 1 &lt;length of the file in bytes&gt;
/// &lt;the file in base64, or nothing when it is longer than MaxBytes&gt;
/// </code>
/// and passes it as an additional file whose metadata <c>RnnGenWeightsSource</c> is the full path of the file.
/// </summary>
internal static class WeightsSidecar
{
    public const string Extension = ".rnnweights";

    public const string SourceMetadata = "build_metadata.AdditionalFiles.RnnGenWeightsSource";

    /// <summary>
    /// The largest weights file compiled into a class: 4 MiB, a million float32 parameters. Its data becomes about
    /// 12 MB of generated source (string literals of \u escapes) that the compiler takes in seconds; a larger
    /// model is better loaded at run time. RnnGen.targets repeats the number (<c>_RnnGenWeightsMaxBytes</c>).
    /// </summary>
    public const long MaxBytes = 4 * 1024 * 1024;

    private const string Magic = "rnngen-weights 1 ";

    public static bool HasExtension(string path) => path.EndsWith(Extension, StringComparison.OrdinalIgnoreCase);

    /// <summary>The sidecar with the weights file it stands for, or null for a file of that extension without the metadata.</summary>
    public static SidecarFile? Describe(AdditionalText file, AnalyzerConfigOptionsProvider options) =>
        options.GetOptions(file).TryGetValue(SourceMetadata, out string? source) && source.Trim().Length > 0
            ? new SidecarFile(WeightsPaths.Normalize(source.Trim()), file)
            : null;

    /// <summary>Reads the sidecar when a spec names its file (else null: unnamed weights files cost nothing).</summary>
    public static WeightsFileData? Read(SidecarFile sidecar, EquatableArray<string> named, CancellationToken cancellationToken)
    {
        if (WeightsPaths.Find(named, sidecar.SourcePath, static path => path) is null)
        {
            return null;
        }

        SourceText? text = sidecar.Text.GetText(cancellationToken);
        if (text is null)
        {
            return new WeightsFileData(sidecar.SourcePath, 0, string.Empty, "its sidecar could not be read");
        }

        string content = text.ToString();
        int newline = content.IndexOf('\n');
        string first = (newline < 0 ? content : content.Substring(0, newline)).TrimEnd('\r');
        if (!first.StartsWith(Magic, StringComparison.Ordinal)
            || !long.TryParse(first.Substring(Magic.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long length))
        {
            return new WeightsFileData(sidecar.SourcePath, 0, string.Empty, "its sidecar is not one RnnGen wrote; rebuild to write it again");
        }

        string base64 = newline < 0 ? string.Empty : content.Substring(newline + 1).Trim();
        return new WeightsFileData(sidecar.SourcePath, length, base64, null);
    }
}
