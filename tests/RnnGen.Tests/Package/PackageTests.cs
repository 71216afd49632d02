using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using RnnGen.Samples;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Package;

/// <summary>
/// The package alone is enough: consumers outside the repository, restoring only from a folder feed that
/// holds the freshly packed <c>RnnGen</c>, get their spec compiled (the generator and YamlDotNet load
/// inside the compiler), run it, and get exactly what the in-repo build computes.
/// </summary>
public sealed class PackageTests(PackedPackage package, ITestOutputHelper output) : IClassFixture<PackedPackage>
{
    private static readonly string JumpDetectorSpec =
        File.ReadAllText(Path.Combine(RepositoryRoot.Path, "specs", "jump_detector.rnn.yaml"));

    [Fact]
    public void Package_holds_runtime_generator_yamldotnet_and_build_files_and_no_dependency()
    {
        package.AssertPacked();
        using ZipArchive archive = ZipFile.OpenRead(package.PackagePath);
        string[] entries = archive.Entries.Select(e => e.FullName).ToArray();
        output.WriteLine(string.Join('\n', entries));

        Assert.Contains("lib/net10.0/RnnGen.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/RnnGen.Generators.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/YamlDotNet.dll", entries);
        Assert.Contains("build/RnnGen.props", entries);
        Assert.Contains("buildTransitive/RnnGen.props", entries);
        Assert.Contains("build/RnnGen.targets", entries);
        Assert.Contains("buildTransitive/RnnGen.targets", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generators", StringComparison.Ordinal));

        using var nuspec = new StreamReader(archive.GetEntry("RnnGen.nuspec")!.Open());
        string manifest = nuspec.ReadToEnd();
        Assert.DoesNotContain("<dependency ", manifest, StringComparison.Ordinal);
    }

    [Fact]
    public void Consumer_of_the_package_alone_runs_the_generated_model_as_the_repository_build_does()
    {
        package.AssertPacked();
        Consumer consumer = package.CreateConsumer(
            "JumpConsumer",
            """
            using System;
            using System.Globalization;
            using RnnGen.Samples;

            var model = new JumpDetector();
            var input = new float[JumpDetector.SequenceLength * JumpDetector.InputSize];
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = MathF.Sin(0.37f * i);
            }

            var output = new float[JumpDetector.OutputLength * JumpDetector.OutputSize];
            model.Predict(input, output);
            Console.WriteLine(output[0].ToString("R", CultureInfo.InvariantCulture));
            """,
            new Dictionary<string, string> { ["jump_detector.rnn.yaml"] = JumpDetectorSpec });

        DotnetResult build = consumer.Build();
        output.WriteLine(build.ToString());
        Assert.True(build.Succeeded, build.ToString());
        Assert.DoesNotMatch(@"warning [A-Z]+\d+", build.Output);

        DotnetResult run = consumer.Run();
        output.WriteLine(run.ToString());
        Assert.True(run.Succeeded, run.ToString());
        float printed = float.Parse(run.Output.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);
        Assert.True(printed is > 0 and < 1, $"P(jump) = {printed} is not a probability in (0, 1)");

        // The same input (the same formula as the consumer's) through the class this test assembly generated from specs/.
        var model = new JumpDetector();
        var input = new float[JumpDetector.SequenceLength * JumpDetector.InputSize];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = MathF.Sin(0.37f * i);
        }

        var expected = new float[JumpDetector.OutputLength * JumpDetector.OutputSize];
        model.Predict(input, expected);
        Assert.Equal(expected[0], printed);
    }

    [Fact]
    public void CompiledWeights_consumer_builds_from_the_package_and_runs_without_the_file()
    {
        package.AssertPacked();
        string spec = JumpDetectorSpec.TrimEnd() + "\nweights: models/jump.safetensors\n";
        Consumer consumer = package.CreateConsumer(
            "WeightsConsumer",
            """
            using System;
            using System.Globalization;
            using System.IO;
            using RnnGen.Samples;

            var model = new JumpDetector();
            var input = new float[JumpDetector.SequenceLength * JumpDetector.InputSize];
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = MathF.Sin(0.37f * i);
            }

            var output = new float[JumpDetector.OutputLength * JumpDetector.OutputSize];
            model.Predict(input, output);
            Console.WriteLine(output[0].ToString("R", CultureInfo.InvariantCulture));
            Console.WriteLine(File.Exists(Path.Combine("models", "jump.safetensors")) ? "file present" : "file absent");
            """,
            new Dictionary<string, string> { ["jump_detector.rnn.yaml"] = spec });
        string weights = Path.Combine(consumer.Directory, "models", "jump.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(weights)!);
        File.Copy(Path.Combine(RepositoryRoot.Path, "src", "RnnGen.Demo", "jump_detector.safetensors"), weights);

        DotnetResult build = consumer.Build();
        output.WriteLine(build.ToString());
        Assert.True(build.Succeeded, build.ToString());
        Assert.DoesNotMatch(@"warning [A-Z]+\d+", build.Output);

        // The build read the file; the program does not: it runs from a folder without it.
        File.Delete(weights);
        Assert.Empty(Directory.GetFiles(consumer.Directory, "*.safetensors", SearchOption.AllDirectories));
        DotnetResult run = consumer.Run();
        output.WriteLine(run.ToString());
        Assert.True(run.Succeeded, run.ToString());
        string[] lines = run.Output.Trim().Split('\n').Select(l => l.Trim()).ToArray();
        Assert.Equal("file absent", lines[1]);

        // The trained model's prediction: the in-repo class with the same file compiled in (CompiledWeightsTests
        // proves it equals the file loaded at run time).
        var model = new RnnGen.Tests.Weights.CompiledJumpDetector();
        var input = new float[JumpDetector.SequenceLength * JumpDetector.InputSize];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = MathF.Sin(0.37f * i);
        }

        var expected = new float[1];
        model.Predict(input, expected);
        Assert.Equal(expected[0], float.Parse(lines[0], NumberStyles.Float, CultureInfo.InvariantCulture));
        Assert.NotEqual(expected[0], PredictFromSeedZero(input));
    }

    [Fact]
    public void CompiledWeights_consumer_with_the_file_of_another_model_gets_located_errors_and_no_compiler_errors()
    {
        package.AssertPacked();
        string spec = JumpDetectorSpec.Replace("hidden: 32", "hidden: 16", StringComparison.Ordinal).TrimEnd() + "\nweights: jump.safetensors\n";
        Consumer consumer = package.CreateConsumer(
            "WrongWeightsConsumer",
            """
            System.Console.WriteLine(new RnnGen.Samples.JumpDetector().Parameters.Length);
            """,
            new Dictionary<string, string> { ["jump_detector.rnn.yaml"] = spec });
        File.Copy(Path.Combine(RepositoryRoot.Path, "src", "RnnGen.Demo", "jump_detector.safetensors"), Path.Combine(consumer.Directory, "jump.safetensors"));

        DotnetResult build = consumer.Build();
        output.WriteLine(build.ToString());
        Assert.False(build.Succeeded, build.ToString());
        int weightsLine = spec.Split('\n').ToList().FindIndex(l => l.StartsWith("weights:", StringComparison.Ordinal)) + 1;
        Assert.Matches($@"jump_detector\.rnn\.yaml\({weightsLine},10\): error RNN0022: Tensor 'layers\.0\.weight_ih_l0' has shape \[128, 16\]", build.Output);
        Assert.DoesNotContain("error CS", build.Output, StringComparison.Ordinal);
    }

    private static float PredictFromSeedZero(float[] input)
    {
        var output = new float[1];
        new JumpDetector().Predict(input, output);
        return output[0];
    }

    [Fact]
    public void Consumer_with_CSharp_11_gets_RNN0014_and_no_compiler_errors()
    {
        package.AssertPacked();
        Consumer consumer = package.CreateConsumer(
            "OldLanguageConsumer",
            """
            System.Console.WriteLine("never built");
            """,
            new Dictionary<string, string> { ["jump_detector.rnn.yaml"] = JumpDetectorSpec },
            new Dictionary<string, string> { ["LangVersion"] = "11" });

        DotnetResult build = consumer.Build();
        output.WriteLine(build.ToString());
        Assert.False(build.Succeeded, build.ToString());

        // MSBuild repeats every error in its summary: count distinct ones.
        string[] rnnErrors = Regex.Matches(build.Output, @"error (RNN\d{4})").Select(m => m.Groups[1].Value).Distinct().ToArray();
        Assert.Equal(["RNN0014"], rnnErrors);
        Assert.Single(build.Output.Split('\n').Where(l => l.Contains("error RNN", StringComparison.Ordinal)).Select(l => l.Trim()).Distinct());
        Assert.DoesNotContain("error CS", build.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Spec_without_namespace_lands_in_the_consumer_RootNamespace()
    {
        package.AssertPacked();
        string spec = string.Join('\n', JumpDetectorSpec.Split('\n').Where(line => !line.StartsWith("namespace:", StringComparison.Ordinal)));
        Assert.DoesNotContain("namespace:", spec, StringComparison.Ordinal);
        Consumer consumer = package.CreateConsumer(
            "RootNamespaceConsumer",
            """
            using System;

            var model = new Acme.Vision.JumpDetector(seed: 3);
            var output = new float[Acme.Vision.JumpDetector.OutputSize];
            model.Predict(new float[Acme.Vision.JumpDetector.SequenceLength * Acme.Vision.JumpDetector.InputSize], output);
            Console.WriteLine(typeof(Acme.Vision.JumpDetector).FullName);
            """,
            new Dictionary<string, string> { ["jump_detector.rnn.yaml"] = spec },
            new Dictionary<string, string> { ["RootNamespace"] = "Acme.Vision" });

        DotnetResult build = consumer.Build();
        output.WriteLine(build.ToString());
        Assert.True(build.Succeeded, build.ToString());

        DotnetResult run = consumer.Run();
        output.WriteLine(run.ToString());
        Assert.True(run.Succeeded, run.ToString());
        Assert.Equal("Acme.Vision.JumpDetector", run.Output.Trim());
    }
}
