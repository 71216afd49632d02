using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generation;

/// <summary>
/// Diagnostics the pipeline reports across specs or about the project: a class claimed by two
/// specs (RNN0015), a language version too old for the generated code (RNN0014), and located
/// parse diagnostics reaching the compilation.
/// </summary>
public sealed class PipelineDiagnosticsTests
{
    private const string Spec = """
        model: Twin
        input: 2
        sequence: 2
        layers:
          - cell: rnn
            hidden: 2
        output:
          mode: many-to-many
        """;

    [Fact]
    public void Two_specs_generating_the_same_class_report_RNN0015_on_the_second_and_keep_the_first()
    {
        GeneratorRun run = GeneratorHarness.Run(new[] { ("/p/b/twin.rnn.yaml", Spec), ("/p/a/twin.rnn.yaml", Spec), ("/p/other.rnn.yaml", Spec.Replace("Twin", "Other", StringComparison.Ordinal)) });

        Diagnostic duplicate = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "RNN0015");
        Assert.Equal("/p/b/twin.rnn.yaml", duplicate.Location.GetLineSpan().Path);
        FileLinePositionSpan span = duplicate.Location.GetLineSpan();
        Assert.Equal(0, span.StartLinePosition.Line);
        Assert.Equal(7, span.StartLinePosition.Character);
        Assert.Contains("Consumer.Twin", duplicate.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("twin.rnn.yaml", duplicate.GetMessage(), StringComparison.Ordinal);

        // One class each, and the result compiles.
        Assert.Equal(new[] { "Consumer.Other.g.cs", "Consumer.Twin.g.cs" }, run.Sources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Empty(run.CompilationDiagnostics);
    }

    [Fact]
    public void Same_class_name_in_different_namespaces_is_not_a_duplicate()
    {
        GeneratorRun run = GeneratorHarness.Run(new[] { ("/p/a.rnn.yaml", Spec), ("/p/b.rnn.yaml", "namespace: Elsewhere\n" + Spec) });

        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "RNN0015");
        Assert.Equal(2, run.Sources.Length);
        Assert.Empty(run.CompilationDiagnostics);
    }

    [Theory]
    [InlineData(LanguageVersion.CSharp11)]
    [InlineData(LanguageVersion.CSharp7_3)]
    public void An_old_language_version_gets_one_RNN0014_and_no_code(LanguageVersion version)
    {
        GeneratorRun run = GeneratorHarness.Run(new[] { ("/p/a.rnn.yaml", Spec), ("/p/b.rnn.yaml", Spec.Replace("Twin", "Other", StringComparison.Ordinal)) }, version: version);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("RNN0014", diagnostic.Id);
        Assert.Contains("C# 12", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Empty(run.Sources);
        Assert.Empty(run.CompilationDiagnostics);
    }

    [Fact]
    public void A_project_without_specs_gets_nothing()
    {
        GeneratorRun run = GeneratorHarness.Run(Array.Empty<(string, string)>(), version: LanguageVersion.CSharp11);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void Spec_without_namespace_lands_in_root_namespace_or_global()
    {
        Assert.Equal("My.App.Twin.g.cs", Assert.Single(GeneratorHarness.Run("/p/a.rnn.yaml", Spec, rootNamespace: "My.App").Sources).HintName);
        GeneratorRun global = GeneratorHarness.Run("/p/a.rnn.yaml", Spec, rootNamespace: null);
        Assert.Equal("Twin.g.cs", Assert.Single(global.Sources).HintName);
        Assert.Empty(global.CompilationDiagnostics);
    }

    [Fact]
    public void Parse_errors_reach_the_compilation_located_in_the_spec_and_emit_no_code()
    {
        GeneratorRun run = GeneratorHarness.Run("/p/bad.rnn.yaml", Spec.Replace("cell: rnn", "cell: lstmm", StringComparison.Ordinal));

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("RNN0008", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        Assert.Equal("/p/bad.rnn.yaml", span.Path);
        Assert.Equal(4, span.StartLinePosition.Line);
        Assert.Equal(10, span.StartLinePosition.Character);
        Assert.Contains("lstm", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void Files_that_are_not_specs_are_ignored()
    {
        GeneratorRun run = GeneratorHarness.Run(new[] { ("/p/config.yaml", "not: a spec"), ("/p/notes.txt", "hello") });

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Sources);
    }
}
