using System.IO;
using System.Linq;
using RnnGen.Tests.Diagnostics;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Cli;

/// <summary><c>rnngen emit</c>: exactly the source the generator produces in a build, or nothing and exit 1.</summary>
public sealed class EmitCommandTests
{
    [Theory]
    [InlineData("jump_detector.rnn.yaml")]
    [InlineData("entity_tagger.rnn.yaml")]
    [InlineData("sentiment_classifier.rnn.yaml")]
    [InlineData("stock_forecaster.rnn.yaml")]
    public void Source_EqualsTheGeneratorsOutput(string fileName)
    {
        string spec = CliRun.ExampleSpec(fileName);
        GeneratorRun build = GeneratorHarness.Run(spec, File.ReadAllText(spec), rootNamespace: "Consumer");

        CliResult result = CliRun.Run("emit", spec, "--namespace", "Consumer");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Assert.Single(build.Sources).Source, result.Out);
        Assert.Equal(string.Empty, result.Error);
        Assert.Contains("public sealed partial class", result.Out);
    }

    [Fact]
    public void SpecWithoutNamespace_LandsInTheGivenNamespace_OrTheGlobalOne()
    {
        using var folder = new TempFolder();
        string spec = folder.Write("tiny.rnn.yaml", SpecTexts.Minimal);

        CliResult withNamespace = CliRun.Run("emit", spec, "--namespace", "My.App");
        CliResult without = CliRun.Run("emit", spec);

        Assert.Equal(Assert.Single(GeneratorHarness.Run(spec, SpecTexts.Minimal, rootNamespace: "My.App").Sources).Source, withNamespace.Out);
        Assert.Equal(Assert.Single(GeneratorHarness.Run(spec, SpecTexts.Minimal, rootNamespace: null).Sources).Source, without.Out);
        Assert.Contains("namespace My.App\n", withNamespace.Out);
        Assert.DoesNotContain("\nnamespace ", without.Out);
    }

    [Fact]
    public void BadSpec_EmitsNothing_AndExitsOne()
    {
        using var folder = new TempFolder();
        string spec = folder.Write("tiny.rnn.yaml", SpecTexts.Minimal.Replace("head: sigmoid", "head: sigmoidd"));

        CliResult result = CliRun.Run("emit", spec);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.Out);
        Assert.StartsWith($"{spec}(9,9): error RNN0008: Unknown head 'sigmoidd'", result.Error);
        Assert.EndsWith("1 error, 0 warnings; nothing emitted\n", result.Error);
    }

    [Fact]
    public void Out_ToAFolder_UsesTheBuildsFileName()
    {
        using var folder = new TempFolder();
        string spec = CliRun.ExampleSpec("jump_detector.rnn.yaml");

        CliResult result = CliRun.Run("emit", spec, "--out", folder.Path);

        string written = Path.Combine(folder.Path, "RnnGen.Samples.JumpDetector.g.cs");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"{spec}: wrote {written}\n", result.Out);
        Assert.Equal(CliRun.Run("emit", spec).Out, File.ReadAllText(written));
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Out_ToAMissingFolder_ExitsOne_WithAMessage()
    {
        using var folder = new TempFolder();
        string target = Path.Combine(folder.Path, "no", "such", "Model.g.cs");

        CliResult result = CliRun.Run("emit", CliRun.ExampleSpec("jump_detector.rnn.yaml"), "-o", target);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"rnngen: error: {target}: no such file or directory\n", result.Error);
        Assert.False(Directory.EnumerateFileSystemEntries(folder.Path).Any());
    }
}
