using System.IO;
using System.Text;
using RnnGen.Cli.Mirror;
using RnnGen.Tests.Diagnostics;
using RnnGen.Tests.Package;
using Xunit;

namespace RnnGen.Tests.Cli;

/// <summary><c>rnngen mirror</c>: src/python's module itself, and a script that embeds the spec (run by hand with PyTorch; docs/cli.md).</summary>
public sealed class MirrorCommandTests
{
    private static string ModulePath => Path.Combine(RepositoryRoot.Path, "src", "python", "rnngen_torch.py");

    [Fact]
    public void Out_WritesTheModuleByteForByte_AndTheSpecsScript()
    {
        using var folder = new TempFolder();
        string spec = CliRun.ExampleSpec("jump_detector.rnn.yaml");

        CliResult result = CliRun.Run("mirror", spec, "--out", folder.Path);

        string module = Path.Combine(folder.Path, "rnngen_torch.py");
        string script = Path.Combine(folder.Path, "jump_detector.py");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"wrote {module}\nwrote {script}\nrun: python3 {script}\n", result.Out);
        Assert.Equal(File.ReadAllBytes(ModulePath), File.ReadAllBytes(module));
        Assert.Equal(2, Directory.GetFiles(folder.Path).Length);

        string text = File.ReadAllText(script);
        Assert.Contains("import rnngen_torch\n", text);
        Assert.Contains("model = rnngen_torch.build_model(yaml.safe_load(SPEC_YAML))", text);
        Assert.Contains("SPEC_YAML = \"\"\"\\\n" + File.ReadAllText(spec) + "\"\"\"\n", text);
        Assert.Contains("from jump_detector import build_model", text);
    }

    [Fact]
    public void WithoutOut_PrintsTheScript()
    {
        string spec = CliRun.ExampleSpec("stock_forecaster.rnn.yaml");

        CliResult result = CliRun.Run("mirror", spec);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("\"\"\"PyTorch mirror of the RnnGen model StockForecaster, written by `rnngen mirror` from stock_forecaster.rnn.yaml.\n", result.Out);
        Assert.EndsWith("if __name__ == \"__main__\":\n    sys.exit(main())\n", result.Out);
        Assert.Equal(string.Empty, result.Error);
    }

    [Fact]
    public void Module_PrintsTheModule()
    {
        CliResult result = CliRun.Run("mirror", "--module");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Encoding.UTF8.GetString(File.ReadAllBytes(ModulePath)), result.Out);
    }

    [Fact]
    public void ModuleWithASpec_IsAUsageError()
    {
        CliResult result = CliRun.Run("mirror", "--module", CliRun.ExampleSpec("jump_detector.rnn.yaml"));

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("rnngen: error: --module prints the module alone; give it without SPEC and --out\n", result.Error);
        Assert.Equal(string.Empty, result.Out);
    }

    [Fact]
    public void NoSpec_IsAUsageError()
    {
        CliResult result = CliRun.Run("mirror");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("rnngen: error: give a SPEC file (or --module for the mirror module alone)\n", result.Error);
    }

    [Fact]
    public void BadSpec_WritesNothing_AndExitsOne()
    {
        using var folder = new TempFolder();
        string spec = folder.Write("tiny.rnn.yaml", SpecTexts.Minimal.Replace("input: 4", "input: -4"));
        string output = Path.Combine(folder.Path, "mirror");

        CliResult result = CliRun.Run("mirror", spec, "--out", output);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"{spec}(2,8): error RNN0009: ", result.Error);
        Assert.EndsWith("1 error, 0 warnings; no mirror written\n", result.Error);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Script_EmbedsAnySpecTextSafely()
    {
        // Quotes, a closing triple quote, backslashes, a '$PLACEHOLDER$', CRLF, a tab and a non-ASCII letter in comments.
        string specText = "# \"\"\" ends? \\ \\\\ \"x\" $MODEL$ é\r\n# tab\there\r\n" + SpecTexts.Minimal;
        using var folder = new TempFolder();
        string spec = folder.Write("tiny.rnn.yaml", specText);

        CliResult result = CliRun.Run("mirror", spec);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(
            "SPEC_YAML = \"\"\"\\\n# \\\"\\\"\\\" ends? \\\\ \\\\\\\\ \\\"x\\\" $MODEL$ é\n# tab\there\nmodel: Tiny\n",
            result.Out);
        Assert.Contains("Build the PyTorch mirror of Tiny and list its parameters.", result.Out);
    }

    [Theory]
    [InlineData("a\"\"\"b", "a\\\"\\\"\\\"b")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("crlf\r\nand cr\rend", "crlf\nand cr\nend")]
    [InlineData("nul\0 bell\a sep\u2028 bom\uFEFF", "nul\\u0000 bell\\u0007 sep\\u2028 bom\\ufeff")]
    [InlineData("tab\tkept", "tab\tkept")]
    public void TripleQuotedContents_EscapesWhatPythonWouldMisread(string text, string expected) =>
        Assert.Equal(expected, PythonText.TripleQuotedContents(text));

    [Fact]
    public void TripleQuotedContents_KeepsSurrogatePairs_AndEscapesLoneSurrogates()
    {
        // Built here, not in [InlineData]: a lone surrogate does not survive the theory's data serialization.
        string text = "pair \U0001F680 lone " + '\uD800' + ".";

        Assert.Equal("pair \U0001F680 lone \\ud800.", PythonText.TripleQuotedContents(text));
    }

    [Theory]
    [InlineData("JumpDetector", "jump_detector")]
    [InlineData("LSTMTagger", "lstm_tagger")]
    [InlineData("Model2Go", "model2_go")]
    [InlineData("My_Model", "my_model")]
    [InlineData("Class", "class_model")]
    [InlineData("RnngenTorch", "rnngen_torch_model")]
    [InlineData("Modèle", "model")]
    public void ModuleName_IsSnakeCase_AndImportable(string className, string expected) =>
        Assert.Equal(expected, PythonText.ModuleName(className, "rnngen_torch"));
}
