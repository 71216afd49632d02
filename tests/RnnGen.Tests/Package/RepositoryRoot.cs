using System;
using System.IO;

namespace RnnGen.Tests.Package;

/// <summary>The checkout this test assembly was built from: the nearest directory above the test's output that holds <c>RnnGen.sln</c>.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "RnnGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No RnnGen.sln above {AppContext.BaseDirectory}.");
    }
}
