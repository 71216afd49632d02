using System;
using System.IO;
using RnnGen.Tests.Package;
using Xunit;

namespace RnnGen.Tests.Cli;

/// <summary>The built tool in a child process (about a second each): exit codes reach the shell, and no input ends in a stack trace.</summary>
public sealed class ProcessTests
{
    private static readonly string Tool = Path.Combine(AppContext.BaseDirectory, "RnnGen.Cli.dll");

    [Fact]
    public void Help_ExitsZero()
    {
        DotnetResult result = DotnetCli.Run(AppContext.BaseDirectory, [Tool, "--help"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Usage:\n  rnngen [command] [options]\n", result.Output.ReplaceLineEndings("\n"));
        Assert.Contains("  mirror <SPEC>", result.Output);
    }

    [Fact]
    public void GarbageWeights_ExitOne_WithoutAStackTrace()
    {
        using var folder = new TempFolder();
        string file = folder.Write("junk.safetensors", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3]);

        DotnetResult result = DotnetCli.Run(AppContext.BaseDirectory, [Tool, "inspect", file]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal($"rnngen: error: {file}: Invalid safetensors file: header length 9223372036854775807 exceeds the limit of 100000000 bytes.\n", result.Output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void UnknownCommand_ExitsTwo()
    {
        DotnetResult result = DotnetCli.Run(AppContext.BaseDirectory, [Tool, "compile", "x.rnn.yaml"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("rnngen: error: unknown command 'compile'; the commands are check, emit, mirror and inspect\nRun 'rnngen --help' for usage.\n", result.Output.ReplaceLineEndings("\n"));
    }
}
