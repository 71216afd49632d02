using System;
using System.IO;
using System.Linq;
using RnnGen.Tests.Diagnostics;
using RnnGen.Tests.Package;

namespace RnnGen.Tests.Fuzzing;

/// <summary>
/// The spec fuzzer's cases: every spec of the repository (examples, fixtures, test specs) and the
/// diagnostics tests' own, each mutated one to three times. Case <c>i</c> depends only on
/// <see cref="Seed"/> and <c>i</c>, so a failing case can be rerun on its own.
/// </summary>
internal static class SpecFuzzCorpus
{
    public const int Seed = 20_261_123;

    public const string FilePath = "/project/models/fuzz.rnn.yaml";

    private static readonly Lazy<string[]> s_seeds = new(LoadSeeds);

    public static string[] Seeds => s_seeds.Value;

    /// <summary>The mutated text of case <paramref name="index"/> and the edits that made it.</summary>
    public static (string Text, string Edits) Case(int index)
    {
        var random = new Random(unchecked(Seed + (index * 7_919)));
        string text = Seeds[random.Next(Seeds.Length)];
        var mutator = new SpecMutator(random);
        int count = 1 + (random.Next(4) == 0 ? 1 + random.Next(2) : 0);
        string[] edits = new string[count];
        for (int i = 0; i < count; i++)
        {
            (text, edits[i]) = mutator.Mutate(text);
        }

        return (text, string.Join("; ", edits));
    }

    private static string[] LoadSeeds()
    {
        string root = RepositoryRoot.Path;
        string[] folders = ["specs", "tests/RnnGen.Tests/Fixtures", "tests/RnnGen.Tests/Specs"];
        return folders
            .SelectMany(folder => Directory.GetFiles(Path.Combine(root, folder), "*.rnn.yaml"))
            .Order(StringComparer.Ordinal)
            .Select(path => File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal))
            .Append(SpecTexts.Minimal)
            .Append(SpecTexts.Full)
            .ToArray();
    }
}
