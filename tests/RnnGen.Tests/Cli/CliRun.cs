using System;
using System.IO;
using RnnGen.Cli;

namespace RnnGen.Tests.Cli;

/// <summary>What one in-process run of <c>rnngen</c> did: its exit code and what it wrote to each stream.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{Out}--- stderr\n{Error}";
}

/// <summary>Runs the tool's entry logic with captured output, as <c>rnngen ARGS</c> would from a shell.</summary>
internal static class CliRun
{
    public static CliResult Run(params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        int exitCode = RnnGenCli.Run(args, output, error);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>An example spec of specs/, as copied next to the tests.</summary>
    public static string ExampleSpec(string fileName) => Path.Combine(AppContext.BaseDirectory, "Specs", fileName);

    /// <summary>A file of tests/RnnGen.Tests/Fixtures, as copied next to the tests.</summary>
    public static string Fixture(string fileName) => Path.Combine(AppContext.BaseDirectory, "Fixtures", fileName);
}

/// <summary>A fresh folder for files a test writes, deleted afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rnngen-cli-" + Guid.NewGuid().ToString("N"));

    public string Write(string fileName, string text)
    {
        string path = System.IO.Path.Combine(Path, fileName);
        File.WriteAllText(path, text);
        return path;
    }

    public string Write(string fileName, byte[] bytes)
    {
        string path = System.IO.Path.Combine(Path, fileName);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
