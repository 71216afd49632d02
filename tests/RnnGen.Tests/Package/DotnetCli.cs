using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace RnnGen.Tests.Package;

/// <summary>What a child <c>dotnet</c> process did: its exit code and its stdout and stderr, interleaved.</summary>
public sealed record DotnetResult(string CommandLine, int ExitCode, string Output, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() => $"> {CommandLine}\nexit code {ExitCode} after {Duration.TotalSeconds:F1} s\n{Output}";
}

/// <summary>
/// Runs the <c>dotnet</c> CLI in a child process that resolves its SDK as if started from a shell: the
/// MSBuild variables <c>dotnet test</c> puts in our environment are removed (they would point the child
/// at this build's MSBuild), node reuse and telemetry are off, and JIT settings are only those given.
/// </summary>
internal static class DotnetCli
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Prefixes of inherited variables that would leak this process's build or runtime settings into the child.</summary>
    private static readonly string[] InheritedPrefixes =
        ["MSBUILD", "DOTNET_HOST_PATH", "DOTNET_Jit", "DOTNET_TC_", "DOTNET_Tiered", "DOTNET_ReadyToRun", "COMPlus_", "VSTEST_", "TESTINGPLATFORM_"];

    public static DotnetResult Run(string workingDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(DotnetExecutable())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string name in start.Environment.Keys.Where(IsInherited).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        string commandLine = $"dotnet {string.Join(' ', start.ArgumentList)}";
        var output = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout ?? DefaultTimeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{commandLine} did not finish within {(timeout ?? DefaultTimeout).TotalMinutes} minutes.\n{output}");
        }

        process.WaitForExit();
        return new DotnetResult(commandLine, process.ExitCode, output.ToString(), clock.Elapsed);
    }

    /// <summary>The <c>dotnet</c> that runs these tests (the SDK names it in <c>DOTNET_HOST_PATH</c>), else the one on the PATH.</summary>
    private static string DotnetExecutable() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static bool IsInherited(string name) =>
        InheritedPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
