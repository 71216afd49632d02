using System;
using System.IO;
using System.Linq;
using Xunit;

namespace RnnGen.Tests.Cli;

/// <summary><c>rnngen inspect</c>: a safetensors file's tensors, checked against a spec as the generated loader checks them.</summary>
public sealed class InspectCommandTests
{
    [Fact]
    public void Fixture_ListsEveryTensor()
    {
        string file = CliRun.Fixture("JumpDetector.safetensors");

        CliResult result = CliRun.Run("inspect", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            $"{file}: 6 tensors, 25732 bytes of data\n" +
            "metadata: format=pt, model=JumpDetector\n" +
            "name                   dtype  shape      bytes\n" +
            "layers.0.weight_ih_l0  F32    [128, 16]   8192\n" +
            "layers.0.weight_hh_l0  F32    [128, 32]  16384\n" +
            "layers.0.bias_ih_l0    F32    [128]        512\n" +
            "layers.0.bias_hh_l0    F32    [128]        512\n" +
            "head.weight            F32    [1, 32]      128\n" +
            "head.bias              F32    [1]            4\n",
            result.Out);
        Assert.Equal(string.Empty, result.Error);
    }

    [Fact]
    public void FixtureWithItsSpec_IsAllOk()
    {
        string file = CliRun.Fixture("JumpDetector.safetensors");
        string spec = CliRun.ExampleSpec("jump_detector.rnn.yaml");

        CliResult result = CliRun.Run("inspect", file, "--spec", spec);

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] rows = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[3..^1];
        Assert.Equal(6, rows.Length);
        Assert.All(rows, row => Assert.EndsWith("  ok", row));
        Assert.Contains("layers.0.weight_ih_l0  F32    [128, 16]   8192  ok\n", result.Out);
        Assert.EndsWith($"{spec} (JumpDetector, 6 parameter tensors): 6 ok, 0 wrong shape, 0 unknown, 0 missing; the file fits the spec\n", result.Out);
    }

    // Tensor counts as the PyTorch mirror lists them (python3 src/python/rnngen_torch.py SPEC).
    [Theory]
    [InlineData("LstmAllOptionsBidi", 14)]
    [InlineData("TokenGruBidiSoftmax", 11)]
    [InlineData("MixedOptionsStack64", 14)]
    [InlineData("GenerateTokens", 11)]
    public void FixturesWithTheirSpecs_AreAllOk(string name, int tensors)
    {
        CliResult result = CliRun.Run("inspect", CliRun.Fixture(name + ".safetensors"), "--spec", CliRun.Fixture(name + ".rnn.yaml"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"({name}, {tensors} parameter tensors): {tensors} ok, 0 wrong shape, 0 unknown, 0 missing; the file fits the spec\n", result.Out);
    }

    [Fact]
    public void FileOfAnotherModel_ExitsOne_NamingEveryMismatch()
    {
        string file = CliRun.Fixture("LstmProjection.safetensors");
        string spec = CliRun.ExampleSpec("jump_detector.rnn.yaml");

        CliResult result = CliRun.Run("inspect", file, "--spec", spec);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("layers.0.weight_ih_l0  F32    [16, 3]    192  wrong shape: the spec needs [128, 16]\n", result.Out);
        Assert.Contains("layers.0.weight_hr_l0  F32    [2, 4]      32  unknown: not a parameter of the spec\n", result.Out);
        Assert.Contains("head.bias              -      -            -  missing: the spec needs [1]\n", result.Out);
        Assert.EndsWith("0 ok, 4 wrong shape, 1 unknown, 2 missing; LoadSafetensors would reject this file\n", result.Out);
    }

    [Theory]
    [InlineData(0, "The stream ends inside the 8-byte header length: 0 of 8 bytes present.")]
    [InlineData(5, "The stream ends inside the 8-byte header length: 5 of 8 bytes present.")]
    [InlineData(300, "Invalid safetensors file: header length 528 exceeds the 292 bytes left in the stream.")]
    [InlineData(5000, "Truncated safetensors file: tensor 'layers.0.weight_ih_l0' ends at byte 8192 of the data section, but only 4464 bytes follow the header.")]
    public void TruncatedFile_ExitsOne_WithTheReadersMessage(int length, string message)
    {
        using var folder = new TempFolder();
        byte[] whole = File.ReadAllBytes(CliRun.Fixture("JumpDetector.safetensors"));
        string file = folder.Write("cut.safetensors", whole[..length]);

        CliResult result = CliRun.Run("inspect", file, "--spec", CliRun.ExampleSpec("jump_detector.rnn.yaml"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"rnngen: error: {file}: {message}\n", result.Error);
        Assert.Equal(string.Empty, result.Out);
    }

    [Fact]
    public void Garbage_ExitsOne_WithAMessage()
    {
        using var folder = new TempFolder();
        // A plausible header length, then bytes that are not JSON.
        byte[] garbage = new byte[] { 16, 0, 0, 0, 0, 0, 0, 0 }.Concat(Enumerable.Range(0, 64).Select(i => (byte)(0x80 + i))).ToArray();
        string file = folder.Write("garbage.safetensors", garbage);

        CliResult result = CliRun.Run("inspect", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"rnngen: error: {file}: Invalid safetensors header: the header is not valid UTF-8.\n", result.Error);
    }

    [Fact]
    public void ControlCharactersInNames_AreEscaped()
    {
        using var folder = new TempFolder();
        byte[] header = "{\"a\\u001b[31mb\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"u8.ToArray();
        byte[] bytes = BitConverter.GetBytes((long)header.Length).Concat(header).Concat(new byte[4]).ToArray();
        string file = folder.Write("escape.safetensors", bytes);

        CliResult result = CliRun.Run("inspect", file);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("a\\u001b[31mb  F32    [1]        4\n", result.Out);
        Assert.DoesNotContain('\u001b', result.Out);
    }

    [Fact]
    public void MissingFile_ExitsOne_WithAMessage()
    {
        using var folder = new TempFolder();
        string file = Path.Combine(folder.Path, "absent.safetensors");

        CliResult result = CliRun.Run("inspect", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"rnngen: error: {file}: no such file\n", result.Error);
    }

    [Fact]
    public void BadSpec_ExitsOne_BeforeReadingTheFile()
    {
        using var folder = new TempFolder();
        string spec = folder.Write("tiny.rnn.yaml", "model: Tiny\ninput: [\n");

        CliResult result = CliRun.Run("inspect", CliRun.Fixture("JumpDetector.safetensors"), "--spec", spec);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{spec}(", result.Error);
        Assert.Contains("error RNN0001: The spec is not valid YAML", result.Error);
        Assert.EndsWith($"; {spec} has no parameter layout to check against\n", result.Error);
        Assert.Equal(string.Empty, result.Out);
    }
}
