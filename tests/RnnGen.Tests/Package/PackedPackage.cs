using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Xunit;

namespace RnnGen.Tests.Package;

/// <summary>
/// The <c>RnnGen</c> package, packed once for all consumer cases from this checkout with a version no
/// cache has seen, into a local folder feed under a temporary directory that is deleted afterwards.
/// The pack builds into its own artifacts directory, so the repository's bin and obj stay untouched.
/// </summary>
public sealed class PackedPackage : IDisposable
{
    public PackedPackage()
    {
        Root = Directory.CreateTempSubdirectory("rnngen-package-").FullName;
        Version = $"0.0.0-test.{DateTime.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture)}";
        Feed = Path.Combine(Root, "feed");
        Pack = DotnetCli.Run(RepositoryRoot.Path,
        [
            "pack", Path.Combine(RepositoryRoot.Path, "src", "RnnGen", "RnnGen.csproj"),
            "-c", "Release",
            "-o", Feed,
            "--artifacts-path", Path.Combine(Root, "artifacts"),
            $"-p:Version={Version}",
            "-p:UseSharedCompilation=false",
            "-nodeReuse:false",
        ]);
        PackagePath = Path.Combine(Feed, $"RnnGen.{Version}.nupkg");
    }

    /// <summary>The temporary directory that holds the feed, the consumers and their NuGet cache.</summary>
    public string Root { get; }

    public string Version { get; }

    public string Feed { get; }

    public string PackagePath { get; }

    public DotnetResult Pack { get; }

    /// <summary>Fails the calling test, with the pack's output, if the package was not made.</summary>
    public void AssertPacked() => Assert.True(Pack.Succeeded && File.Exists(PackagePath), Pack.ToString());

    /// <summary>
    /// Creates a console project in a fresh folder under <see cref="Root"/> that references the package
    /// and nothing else: its own nuget.config lists only the local feed, empty Directory.Build files stop
    /// MSBuild from importing any found above it, and its NuGet cache is a folder of its own.
    /// </summary>
    /// <param name="name">Folder and project name.</param>
    /// <param name="program">The whole Program.cs.</param>
    /// <param name="files">Other files to place in the project folder (specs), by file name.</param>
    /// <param name="properties">Extra MSBuild properties of the project.</param>
    public Consumer CreateConsumer(string name, string program, IReadOnlyDictionary<string, string> files, IReadOnlyDictionary<string, string>? properties = null)
    {
        string directory = Path.Combine(Root, name);
        Directory.CreateDirectory(directory);
        var extra = new List<string>();
        foreach ((string property, string value) in properties ?? new Dictionary<string, string>())
        {
            extra.Add($"    <{property}>{value}</{property}>");
        }

        File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
            {string.Join('\n', extra)}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="RnnGen" Version="{Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{Feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <clear />
              </fallbackPackageFolders>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
        foreach ((string file, string content) in files)
        {
            File.WriteAllText(Path.Combine(directory, file), content);
        }

        return new Consumer(directory, Path.Combine(Root, "nuget-packages-" + name));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open must not fail the run; the folder lives under the temp path.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}

/// <summary>A consumer project made by <see cref="PackedPackage.CreateConsumer"/>, with its private NuGet cache.</summary>
public sealed record Consumer(string Directory, string NuGetPackages)
{
    private Dictionary<string, string> Environment => new()
    {
        ["NUGET_PACKAGES"] = NuGetPackages,
        ["NUGET_HTTP_CACHE_PATH"] = NuGetPackages + "-http",
    };

    /// <summary>Restores from the local feed only and builds; the compiler runs in-process so nothing outlives the build.</summary>
    public DotnetResult Build() =>
        DotnetCli.Run(Directory, ["build", "-c", "Release", "-nodeReuse:false", "-p:UseSharedCompilation=false"], Environment);

    public DotnetResult Run() =>
        DotnetCli.Run(Directory, ["run", "-c", "Release", "--no-build"], Environment);
}
