using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace RnnGen.Cli.Build;

/// <summary>
/// What the package's build step (RnnGen.targets) hands the generator for a weights file, made in memory: the
/// sidecar text <c>rnngen-weights 1 &lt;length&gt;</c> plus the file in base64 (no data above 4 MiB, as the
/// build writes it), with the file's full path as its <c>RnnGenWeightsSource</c> metadata. The file is read
/// only when the generator asks, which it does only for files a spec names.
/// </summary>
internal sealed class WeightsSidecarText : AdditionalText
{
    /// <summary>The build's cap (RnnGen.targets, _RnnGenWeightsMaxBytes): larger files get a sidecar without data.</summary>
    private const long MaxBytes = 4 * 1024 * 1024;

    /// <summary>A bound on how many weights files near the specs the tool offers (a spec's folder is no disk crawl).</summary>
    private const int MaxFiles = 1000;

    private readonly Lazy<SourceText> _text;

    private WeightsSidecarText(string source)
    {
        Source = source;
        Path = source + ".rnnweights";
        _text = new Lazy<SourceText>(() => SourceText.From(Encode(source)));
    }

    /// <summary>Full path of the weights file.</summary>
    public string Source { get; }

    public override string Path { get; }

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text.Value;

    /// <summary>
    /// Every <c>*.safetensors</c> under the folders of the specs (bin/ and obj/ left out), as the package's props
    /// take every one of the project: a spec's <c>weights:</c> path is relative to its own folder.
    /// </summary>
    public static IReadOnlyList<WeightsSidecarText> Near(IEnumerable<SpecSource> specs)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string folder in specs.Select(s => System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(s.Path))).OfType<string>().Distinct())
        {
            try
            {
                var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MaxRecursionDepth = 8 };
                foreach (string file in Directory.EnumerateFiles(folder, "*.safetensors", options))
                {
                    string relative = System.IO.Path.GetRelativePath(folder, file).Replace('\\', '/');
                    if (!relative.StartsWith("bin/", StringComparison.Ordinal) && !relative.StartsWith("obj/", StringComparison.Ordinal) && found.Count < MaxFiles)
                    {
                        found.Add(file);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // an unreadable folder offers no weights; a spec naming one gets the build's RNN0018
            }
        }

        return found.Select(f => new WeightsSidecarText(f)).ToArray();
    }

    private static string Encode(string source)
    {
        try
        {
            long length = new FileInfo(source).Length;
            return length > MaxBytes
                ? $"rnngen-weights 1 {length}\n"
                : $"rnngen-weights 1 {length}\n{Convert.ToBase64String(File.ReadAllBytes(source))}\n";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // not the sidecar format: the generator reports RNN0019 ("not one RnnGen wrote") at the weights line
            return string.Empty;
        }
    }
}
