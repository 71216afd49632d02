using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace RnnGen.Cli.Build;

/// <summary>The MSBuild properties the generator reads (<c>build_property.*</c>), as a consuming project would pass them.</summary>
internal sealed class BuildProperties : AnalyzerConfigOptionsProvider
{
    private readonly Options _global;
    private readonly Dictionary<string, Options> _files = new(StringComparer.Ordinal);

    /// <param name="weights">The weights sidecars, each with its file's full path as <c>RnnGenWeightsSource</c>.</param>
    public BuildProperties(string? rootNamespace, IReadOnlyList<WeightsSidecarText> weights)
    {
        foreach (WeightsSidecarText sidecar in weights)
        {
            _files[sidecar.Path] = new Options(new Dictionary<string, string> { ["build_metadata.AdditionalFiles.RnnGenWeightsSource"] = sidecar.Source });
        }

        var values = new Dictionary<string, string>();
        if (rootNamespace is not null)
        {
            values["build_property.RootNamespace"] = rootNamespace;
        }

        _global = new Options(values);
    }

    public override AnalyzerConfigOptions GlobalOptions => _global;

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
        _files.TryGetValue(textFile.Path, out Options? options) ? options : Options.Empty;

    private sealed class Options(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public static readonly Options Empty = new(new Dictionary<string, string>());

        public override bool TryGetValue(string key, out string value)
        {
            bool found = values.TryGetValue(key, out string? text);
            value = text ?? string.Empty;
            return found;
        }
    }
}
