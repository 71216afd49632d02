using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace RnnGen.Generative;

/// <summary>
/// The text the char model learns: the repository's own documentation, README.md and then docs/*.md in ordinal
/// order of file name, each followed by a blank line, read at run time from the checkout that holds RnnGen.sln.
/// </summary>
public sealed partial class Corpus
{
    private readonly HashSet<string> _words;

    private Corpus(string root, string[] files, string text)
    {
        Root = root;
        Files = files;
        Text = text;
        Tokens = CharSet.Encode(text);
        _words = new HashSet<string>(Words(text), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The directory of RnnGen.sln.</summary>
    public string Root { get; }

    /// <summary>The files read, relative to <see cref="Root"/>.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Their text, concatenated.</summary>
    public string Text { get; }

    /// <summary>The text as <see cref="CharSet"/> tokens.</summary>
    public int[] Tokens { get; }

    /// <summary>Distinct words of the text (maximal runs of ASCII letters), ignoring case.</summary>
    public int WordCount => _words.Count;

    /// <summary>
    /// Reads the documentation of the checkout found by walking up from the current directory, then from the
    /// program's own directory, to the first directory that holds RnnGen.sln.
    /// </summary>
    /// <exception cref="FileNotFoundException">No RnnGen.sln above either directory, or no README.md beside it.</exception>
    public static Corpus Load()
    {
        string root = FindRoot(Environment.CurrentDirectory) ?? FindRoot(AppContext.BaseDirectory)
            ?? throw new FileNotFoundException(
                $"RnnGen.sln not found above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}: the corpus is the " +
                "repository's README.md and docs/*.md, so run this from inside a checkout of RnnGen.");
        string readme = Path.Combine(root, "README.md");
        if (!File.Exists(readme))
        {
            throw new FileNotFoundException($"{readme} is missing: the corpus starts with it.", readme);
        }

        string docs = Path.Combine(root, "docs");
        string[] pages = Directory.Exists(docs)
            ? Directory.GetFiles(docs, "*.md").OrderBy(p => Path.GetFileName(p), StringComparer.Ordinal).ToArray()
            : [];
        string[] files = [readme, .. pages];
        string text = string.Concat(files.Select(f => File.ReadAllText(f).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n\n"));
        return new Corpus(root, files.Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).ToArray(), text);
    }

    /// <summary>Whether <paramref name="word"/> occurs in the corpus as a word, ignoring case.</summary>
    public bool Contains(string word) => _words.Contains(word);

    /// <summary>
    /// How many of the words of <paramref name="text"/> of two letters or more occur in the corpus, and how many there
    /// are. A word that touches the end of the text is left out, as it may have been cut short.
    /// </summary>
    public (int Known, int Total) KnownWords(string text)
    {
        int known = 0, total = 0;
        foreach (Match word in AsciiWord().Matches(text))
        {
            if (word.Length >= 2 && word.Index + word.Length < text.Length)
            {
                total++;
                known += Contains(word.Value) ? 1 : 0;
            }
        }

        return (known, total);
    }

    // The words of a text: its maximal runs of ASCII letters.
    private static IEnumerable<string> Words(string text) => AsciiWord().Matches(text).Select(m => m.Value);

    private static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RnnGen.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    [GeneratedRegex("[A-Za-z]+")]
    private static partial Regex AsciiWord();
}
