using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Generators;

namespace RnnGen.Tests.Infrastructure;

/// <summary>An in-memory spec file, as the build hands it to the generator.</summary>
public sealed class InMemoryAdditionalText : AdditionalText
{
    private readonly SourceText _text;

    public InMemoryAdditionalText(string path, string text)
    {
        Path = path;
        _text = SourceText.From(text);
    }

    public override string Path { get; }

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}

/// <summary>
/// Global analyzer options carrying MSBuild properties such as RootNamespace, and per additional file the item
/// metadata the build would pass (such as a weights sidecar's RnnGenWeightsSource), by path.
/// </summary>
internal sealed class TestOptionsProvider : AnalyzerConfigOptionsProvider
{
    private readonly TestOptions _global;
    private readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> _files;

    public TestOptionsProvider(IReadOnlyDictionary<string, string> properties, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? files = null)
    {
        _global = new TestOptions(properties);
        _files = files ?? new Dictionary<string, IReadOnlyDictionary<string, string>>();
    }

    public override AnalyzerConfigOptions GlobalOptions => _global;

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => TestOptions.Empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
        _files.TryGetValue(textFile.Path, out IReadOnlyDictionary<string, string>? metadata) ? new TestOptions(metadata) : TestOptions.Empty;

    private sealed class TestOptions : AnalyzerConfigOptions
    {
        public static readonly TestOptions Empty = new(new Dictionary<string, string>());

        private readonly IReadOnlyDictionary<string, string> _values;

        public TestOptions(IReadOnlyDictionary<string, string> values) => _values = values;

        public override bool TryGetValue(string key, out string value)
        {
            if (_values.TryGetValue(key, out string? found))
            {
                value = found;
                return true;
            }

            value = string.Empty;
            return false;
        }
    }
}

/// <summary>The outcome of one generator run: sources by hint name, diagnostics, and the compiled result.</summary>
public sealed record GeneratorRun(
    ImmutableArray<(string HintName, string Source)> Sources,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> CompilationDiagnostics,
    GeneratorDriver Driver,
    CSharpCompilation OutputCompilation);

/// <summary>Runs <see cref="RnnGenerator"/> the way the compiler does, on specs given as text.</summary>
public static class GeneratorHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        return tpa.Split(System.IO.Path.PathSeparator)
            .Where(p => System.IO.Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || System.IO.Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Append(typeof(global::RnnGen.ParameterInfo).Assembly.Location)
            .Distinct(StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    });

    public static CSharpParseOptions ParseOptions(LanguageVersion version = LanguageVersion.CSharp12) =>
        new(version);

    public static CSharpCompilation CreateCompilation(string code = "", LanguageVersion version = LanguageVersion.CSharp12)
    {
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>())
            .WithGeneralDiagnosticOption(ReportDiagnostic.Error);
        SyntaxTree[] trees = code.Length == 0 ? Array.Empty<SyntaxTree>() : new[] { CSharpSyntaxTree.ParseText(code, ParseOptions(version), path: "User.cs") };
        return CSharpCompilation.Create("Consumer", trees, s_references.Value, options);
    }

    /// <param name="fileOptions">Item metadata of additional files, by path, as the build's generated .editorconfig carries it.</param>
    /// <param name="trackSteps">Record every pipeline step (the caching tests read them); the compiler does not, so timings turn it off.</param>
    public static GeneratorDriver CreateDriver(
        IEnumerable<AdditionalText> specs,
        string? rootNamespace = "Consumer",
        LanguageVersion version = LanguageVersion.CSharp12,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? fileOptions = null,
        bool trackSteps = true)
    {
        var properties = new Dictionary<string, string>();
        if (rootNamespace is not null)
        {
            properties["build_property.RootNamespace"] = rootNamespace;
        }

        return CSharpGeneratorDriver.Create(
            new[] { new RnnGenerator().AsSourceGenerator() },
            specs,
            ParseOptions(version),
            new TestOptionsProvider(properties, fileOptions),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));
    }

    /// <summary>Runs the generator over the specs (path, text) and compiles its output with warnings as errors.</summary>
    public static GeneratorRun Run(IEnumerable<(string Path, string Text)> specs, string? rootNamespace = "Consumer", LanguageVersion version = LanguageVersion.CSharp12, string userCode = "")
    {
        GeneratorDriver driver = CreateDriver(specs.Select(s => (AdditionalText)new InMemoryAdditionalText(s.Path, s.Text)), rootNamespace, version);
        CSharpCompilation compilation = CreateCompilation(userCode, version);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorDriverRunResult result = driver.GetRunResult();
        var sources = result.Results
            .SelectMany(r => r.GeneratedSources)
            .Select(s => (s.HintName, s.SourceText.ToString()))
            .ToImmutableArray();
        ImmutableArray<Diagnostic> compileDiagnostics = output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .ToImmutableArray();
        return new GeneratorRun(sources, generatorDiagnostics, compileDiagnostics, driver, (CSharpCompilation)output);
    }

    public static GeneratorRun Run(string path, string text, string? rootNamespace = "Consumer", LanguageVersion version = LanguageVersion.CSharp12) =>
        Run(new[] { (path, text) }, rootNamespace, version);

    /// <summary>The directory of the test source file that calls this, for files kept next to tests.</summary>
    public static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        System.IO.Path.GetDirectoryName(path)!;
}
