using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen.Tests.Package;
using Xunit;

namespace RnnGen.Tests.Jit;

/// <summary>A generated method as the probe listed it.</summary>
/// <param name="Method">Declaring type and name, e.g. <c>RnnGen.Samples.JumpDetector:Predict</c>, as in the JIT summary.</param>
public sealed record ProbedMethod(string Method, bool Aggressive);

/// <summary>
/// One run of tests/RnnGen.JitProbe (which compiles every spec in specs/ and the test fixtures, calls each
/// model and has the JIT compile every generated method) with the JIT writing its method summary to a file.
/// </summary>
public sealed record JitProbeRun(DotnetResult Process, IReadOnlyList<string> Models, IReadOnlyList<ProbedMethod> Methods, IReadOnlyList<JitCompilation> Compilations)
{
    /// <param name="settings">Runtime settings of the run, e.g. <c>DOTNET_TieredCompilation=0</c>.</param>
    public static JitProbeRun Start(IReadOnlyDictionary<string, string> settings)
    {
        string summary = Path.Combine(Path.GetTempPath(), $"rnngen-jit-{Guid.NewGuid():N}.txt");
        try
        {
            var environment = new Dictionary<string, string>(settings)
            {
                ["DOTNET_JitStdOutFile"] = summary,
                ["DOTNET_JitDisasmSummary"] = "1",
            };
            DotnetResult process = DotnetCli.Run(RepositoryRoot.Path, ["exec", ProbeAssembly()], environment, TimeSpan.FromMinutes(2));
            Assert.True(process.Succeeded, process.ToString());
            Assert.True(File.Exists(summary), $"The JIT wrote no summary to {summary}; does this runtime honor DOTNET_JitStdOutFile?\n{process}");

            string[] lines = process.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            string[] models = lines.Where(l => l.StartsWith("model ", StringComparison.Ordinal)).Select(l => l["model ".Length..]).ToArray();
            ProbedMethod[] methods = lines
                .Where(l => l.StartsWith("method ", StringComparison.Ordinal))
                .Select(l => l["method ".Length..].Split(' '))
                .Select(parts => new ProbedMethod(parts[0], parts.Contains("aggressive")))
                .ToArray();
            return new JitProbeRun(process, models, methods, JitSummary.Parse(File.ReadAllText(summary)));
        }
        finally
        {
            File.Delete(summary);
        }
    }

    /// <summary>The summary lines of the generated methods, in the order the JIT compiled them.</summary>
    public IReadOnlyList<JitCompilation> GeneratedCompilations()
    {
        var generated = Methods.Select(m => m.Method).ToHashSet(StringComparer.Ordinal);
        return Compilations.Where(c => generated.Contains(c.Method)).ToList();
    }

    /// <summary>
    /// What keeps this run from proving the contract: a generated method the JIT never reported (fewer summary
    /// lines than overloads), or one compiled as MinOpts. Empty when every generated method was optimized.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        ILookup<string, JitCompilation> compiled = Compilations.ToLookup(c => c.Method, StringComparer.Ordinal);
        foreach (IGrouping<string, ProbedMethod> overloads in Methods.GroupBy(m => m.Method, StringComparer.Ordinal))
        {
            int seen = compiled[overloads.Key].Select(c => c.Line[c.Line.IndexOf("JIT compiled", StringComparison.Ordinal)..]).Distinct().Count();
            if (seen < overloads.Count())
            {
                problems.Add($"{overloads.Key}: {overloads.Count()} overload(s), but {seen} in the JIT summary");
            }
        }

        problems.AddRange(GeneratedCompilations().Where(c => c.IsMinOpts).Select(c => $"MinOpts: {c.Line}"));
        return problems;
    }

    /// <summary>
    /// The probe's build output, built before the tests by the ProjectReference in RnnGen.Tests.csproj, in this
    /// test assembly's configuration; built here if it is missing (the test project was built some other way).
    /// </summary>
    private static string ProbeAssembly()
    {
        string configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        string project = Path.Combine(RepositoryRoot.Path, "tests", "RnnGen.JitProbe");
        string assembly = Path.Combine(project, "bin", configuration, "net10.0", "RnnGen.JitProbe.dll");
        if (!File.Exists(assembly))
        {
            DotnetResult build = DotnetCli.Run(project, ["build", "-c", configuration, "-nodeReuse:false"]);
            Assert.True(build.Succeeded, build.ToString());
        }

        Assert.True(File.Exists(assembly), $"{assembly} not found");
        return assembly;
    }
}
