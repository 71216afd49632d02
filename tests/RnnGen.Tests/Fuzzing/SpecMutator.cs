using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace RnnGen.Tests.Fuzzing;

/// <summary>
/// Hostile edits of a spec's text, each one a small step away from a valid spec so that the
/// generator sees every stage fail (YAML syntax, bounds, typing, rules, policy) and, often enough,
/// pass. Deterministic: the same <see cref="Random"/> state gives the same edit.
/// </summary>
internal sealed partial class SpecMutator
{
    /// <summary>Words the spec understands as values: swapping them keeps most specs well-typed and
    /// explores combinations of options that no fixture has.</summary>
    private static readonly string[][] Vocabulary =
    [
        ["rnn", "lstm", "gru"],
        ["none", "linear", "sigmoid", "softmax"],
        ["many-to-one", "many-to-many", "one-to-many", "encoder-decoder"],
        ["mse", "binary_cross_entropy", "cross_entropy"],
        ["sgd", "momentum", "adam"],
        ["forward", "bidirectional"],
        ["float32", "float64"],
        ["pytorch", "orthogonal"],
        ["auto", "full", "none"],
        ["tanh", "relu"],
        ["after", "before"],
        ["true", "false"],
    ];

    private static readonly string[] AllWords = Vocabulary.SelectMany(group => group).Distinct().ToArray();

    private static readonly string[] Numbers =
    [
        "0", "1", "2", "3", "4", "5", "7", "-1", "-0", "4096", "4097", "65536", "65537", "100000", "100001",
        "1000000", "2147483647", "2147483648", "-2147483648", "9223372036854775808", "99999999999999999999",
        "1e3", "1.5", "0.0", "0.5", "007", "+3", "1_000", "0x10", "0o7", ".5", "1e-400", "1e400", ".nan",
        "-.inf", ".inf", "3.0", "1e-8", "-0.001",
    ];

    private static readonly string[] OtherTypes =
    [
        "\"quoted\"", "'single'", "\"8\"", "[1, 2]", "[]", "{}", "{ a: 1 }", "true", "null", "~", "", "3.25",
        "-7", "lstm", "|\n  literal", ">\n  folded", "!!str 8", "2024-01-01", "yes", "0b101", "1:30", "- 1",
        "\"\"", "\"\\u0000\"", "\"tab\\there\"", "Model Name", "class", "@Model", "_", "a.b.c", "ﬁ",
    ];

    /// <summary>Keys (with a value) that a layer, the output, the training section or the root may
    /// hold; inserted at the indentation of an existing line, so many land where they are legal.</summary>
    private static readonly string[] Insertions =
    [
        "bias: false", "peepholes: true", "projection: 2", "cell_clip: 3.0", "forget_bias: 1.0", "reset: before",
        "activation: relu", "direction: bidirectional", "precision: float64", "init: orthogonal", "unroll: none",
        "unroll: full", "weights: w.safetensors", "namespace: Fuzz.Space", "dropout: 0.5", "clip_norm: 1.0",
        "seed: 3", "momentum: 0.5", "nesterov: true", "weight_decay: 0.01", "beta1: 0.8", "epsilon: 1e-6",
        "length: 3", "stop: 0", "start: 1", "padding: 0", "size: 2", "hidden: 3", "mode: many-to-many",
        "head: linear", "loss: cross_entropy", "optimizer: momentum", "learning_rate: 0.1", "sequence: 2",
        "input: 3", "input: { vocab: 5, embedding: 2 }", "model: Renamed", "layers: []", "cell: gru",
        "training:\n  loss: mse\n  optimizer: sgd\n  learning_rate: 0.1",
        "output:\n  mode: many-to-many\n  head: none",
        "- cell: rnn\n  hidden: 2",
    ];

    private static readonly string[] GarbageCharacters =
    [
        "\0", "\u0001", "\u0007", "\t", "\u007F", "\u0085", "\u00A0", "\u200B", "\uFEFF", "\uFFFE", "\uFFFF",
        "\uD800", "\uDC00", ":", "-", "[", "]", "{", "}", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`", "#",
        ",", "?", " ", "\n", "\r", "é", "🚀", "\\", "---\n", "...\n", "%YAML 1.1\n", "? ",
    ];

    private readonly Random _random;

    public SpecMutator(Random random) => _random = random;

    /// <summary>One of the edits below at random; the text returned with a description for failure messages.</summary>
    public (string Text, string Edit) Mutate(string text)
    {
        Func<string, (string, string)>[] edits =
        [
            Delete, Duplicate, Swap, Retype, Renumber, Truncate, Garbage, LineEnds, DeepNesting, Alias,
            DuplicateKey, SwapWord, SwapWord, InsertKey, InsertKey, Misspell,
        ];
        return edits[_random.Next(edits.Length)](text);
    }

    private (string, string) Delete(string text)
    {
        List<string> lines = Lines(text);
        switch (_random.Next(3))
        {
            case 0:
                int line = _random.Next(lines.Count);
                lines.RemoveAt(line);
                return (Join(lines), $"delete line {line}");
            case 1:
                int first = _random.Next(lines.Count);
                int count = Math.Min(1 + _random.Next(4), lines.Count - first);
                lines.RemoveRange(first, count);
                return (Join(lines), $"delete lines {first}..{first + count - 1}");
            default:
                if (text.Length == 0)
                {
                    return (text, "delete nothing");
                }

                int start = _random.Next(text.Length);
                int length = Math.Min(1 + _random.Next(12), text.Length - start);
                return (text.Remove(start, length), $"delete {length} characters at {start}");
        }
    }

    private (string, string) Duplicate(string text)
    {
        List<string> lines = Lines(text);
        int first = _random.Next(lines.Count);
        int count = Math.Min(1 + _random.Next(3), lines.Count - first);
        List<string> block = lines.GetRange(first, count);
        int at = _random.Next(2) == 0 ? first + count : _random.Next(lines.Count + 1);
        lines.InsertRange(at, block);
        return (Join(lines), $"duplicate lines {first}..{first + count - 1} at {at}");
    }

    private (string, string) Swap(string text)
    {
        List<string> lines = Lines(text);
        if (_random.Next(3) == 0)
        {
            List<Match> values = ValueMatches(text);
            if (values.Count >= 2)
            {
                Match a = values[_random.Next(values.Count)], b = values[_random.Next(values.Count)];
                if (a.Index > b.Index)
                {
                    (a, b) = (b, a);
                }

                if (a.Index + a.Length <= b.Index)
                {
                    string swapped = text[..a.Index] + b.Value + text[(a.Index + a.Length)..b.Index] + a.Value + text[(b.Index + b.Length)..];
                    return (swapped, $"swap values '{a.Value}' and '{b.Value}'");
                }
            }
        }

        int i = _random.Next(lines.Count), j = _random.Next(lines.Count);
        (lines[i], lines[j]) = (lines[j], lines[i]);
        return (Join(lines), $"swap lines {i} and {j}");
    }

    private (string, string) Retype(string text) => ReplaceValue(text, OtherTypes[_random.Next(OtherTypes.Length)], "retype");

    private (string, string) Renumber(string text)
    {
        MatchCollection numbers = NumberPattern().Matches(text);
        string replacement = Numbers[_random.Next(Numbers.Length)];
        if (numbers.Count == 0)
        {
            return ReplaceValue(text, replacement, "renumber");
        }

        Match number = numbers[_random.Next(numbers.Count)];
        return (Splice(text, number.Index, number.Length, replacement), $"renumber '{number.Value}' at {number.Index} to '{replacement}'");
    }

    private (string, string) Truncate(string text)
    {
        int length = _random.Next(text.Length + 1);
        return (text[..length], $"truncate to {length} characters");
    }

    private (string, string) Garbage(string text)
    {
        var garbage = new StringBuilder();
        if (_random.Next(4) == 0)
        {
            // Raw bytes as a careless tool would decode them: every value from 0 to 255.
            var bytes = new byte[1 + _random.Next(16)];
            _random.NextBytes(bytes);
            garbage.Append(Encoding.Latin1.GetString(bytes));
        }
        else
        {
            for (int n = 1 + _random.Next(4); n > 0; n--)
            {
                garbage.Append(GarbageCharacters[_random.Next(GarbageCharacters.Length)]);
            }
        }

        int at = _random.Next(text.Length + 1);
        bool overwrite = at < text.Length && _random.Next(2) == 0;
        string result = overwrite ? Splice(text, at, 1, garbage.ToString()) : text.Insert(at, garbage.ToString());
        return (result, $"{(overwrite ? "overwrite" : "insert")} {Escape(garbage.ToString())} at {at}");
    }

    private (string, string) LineEnds(string text)
    {
        switch (_random.Next(6))
        {
            case 0: return ("\uFEFF" + text, "byte order mark");
            case 1: return (text.Replace("\n", "\r\n"), "CRLF");
            case 2: return (text.Replace("\n", "\r"), "CR");
            case 3: return ("\uFEFF" + text.Replace("\n", "\r\n"), "byte order mark and CRLF");
            case 4:
                var mixed = new StringBuilder();
                foreach (char c in text)
                {
                    mixed.Append(c == '\n' ? (_random.Next(3) switch { 0 => "\r\n", 1 => "\r", _ => "\n" }) : c.ToString());
                }

                return (mixed.ToString(), "mixed line ends");
            default:
                int at = _random.Next(text.Length + 1);
                return (text.Insert(at, "\uFEFF"), $"byte order mark at {at}");
        }
    }

    private (string, string) DeepNesting(string text)
    {
        int[] depths = [2, 6, 7, 8, 9, 20, 200, 5000];
        int depth = depths[_random.Next(depths.Length)];
        string inner = _random.Next(2) == 0 ? "4" : "lstm";
        string nested = _random.Next(4) switch
        {
            0 => new string('[', depth) + inner + new string(']', depth),
            1 => string.Concat(Enumerable.Repeat("{a: ", depth)) + inner + new string('}', depth),
            2 => new string('[', depth) + inner, // never closed
            _ => string.Concat(Enumerable.Range(1, depth).Select(i => "\n" + new string(' ', 2 * i) + "k:")) + " " + inner,
        };
        (string result, string edit) = ReplaceValue(text, nested, "nest");
        return (result, $"{edit} (depth {depth})");
    }

    private (string, string) Alias(string text)
    {
        List<Match> values = ValueMatches(text);
        if (values.Count == 0)
        {
            return (text + "a: &x 1\nb: *x\n", "append anchor and alias");
        }

        Match value = values[_random.Next(values.Count)];
        switch (_random.Next(5))
        {
            case 0: return (Splice(text, value.Index, 0, "&anchor "), $"anchor '{value.Value}'");
            case 1: return (Splice(text, value.Index, value.Length, "*anchor"), $"alias replaces '{value.Value}'");
            case 2:
                Match other = values[_random.Next(values.Count)];
                if (other.Index == value.Index)
                {
                    return (Splice(text, value.Index, 0, "&same *same "), "anchor and alias on one value");
                }

                // Splice the later match first so the earlier one's index still holds.
                (Match early, Match late) = value.Index < other.Index ? (value, other) : (other, value);
                string aliased = Splice(Splice(text, late.Index, late.Length, "*v"), early.Index, 0, "&v ");
                return (aliased, $"anchor '{early.Value}', alias at '{late.Value}'");
            case 3:
                List<string> lines = Lines(text);
                int at = _random.Next(lines.Count + 1);
                string indent = at < lines.Count ? Indentation(lines[at]) : string.Empty;
                lines.Insert(at, indent + "<<: *defaults");
                return (Join(lines), $"merge key at line {at}");
            default:
                var laughs = new StringBuilder("l0: &l0 [x, x, x, x, x, x, x, x, x]\n");
                for (int i = 1; i < 9; i++)
                {
                    laughs.Append($"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat("*l" + (i - 1), 9))}]\n");
                }

                return (text + laughs, "append billion laughs");
        }
    }

    private (string, string) DuplicateKey(string text)
    {
        List<string> lines = Lines(text);
        List<int> keyed = Enumerable.Range(0, lines.Count).Where(i => KeyLine().IsMatch(lines[i])).ToList();
        if (keyed.Count == 0)
        {
            return (text + "model: Again\nmodel: Again\n", "append a key twice");
        }

        int line = keyed[_random.Next(keyed.Count)];
        Match key = KeyLine().Match(lines[line]);
        // A key that opens a sequence entry ("- cell: x") repeats inside that entry, two columns in.
        string indent = key.Groups["dash"].Success ? key.Groups["indent"].Value + "  " : key.Groups["indent"].Value;
        string value = _random.Next(2) == 0 ? key.Groups["value"].Value : Numbers[_random.Next(Numbers.Length)];
        int at = line + 1 + _random.Next(2);
        lines.Insert(Math.Min(at, lines.Count), indent + key.Groups["key"].Value + ": " + value);
        return (Join(lines), $"repeat key '{key.Groups["key"].Value}' of line {line} at {at}");
    }

    private (string, string) SwapWord(string text)
    {
        List<Match> words = WordPattern().Matches(text).Where(m => AllWords.Contains(m.Value)).ToList();
        if (words.Count == 0)
        {
            return InsertKey(text);
        }

        Match word = words[_random.Next(words.Count)];
        string[] group = _random.Next(5) == 0 ? AllWords : Vocabulary.First(g => g.Contains(word.Value));
        string replacement = group[_random.Next(group.Length)];
        return (Splice(text, word.Index, word.Length, replacement), $"word '{word.Value}' at {word.Index} to '{replacement}'");
    }

    private (string, string) InsertKey(string text)
    {
        List<string> lines = Lines(text);
        int at = _random.Next(lines.Count + 1);
        string indent = Indentation(lines[Math.Min(at, lines.Count - 1)]);
        string insertion = Insertions[_random.Next(Insertions.Length)];
        lines.Insert(at, indent + insertion.Replace("\n", "\n" + indent));
        return (Join(lines), $"insert '{Escape(insertion)}' at line {at}");
    }

    private (string, string) Misspell(string text)
    {
        List<string> lines = Lines(text);
        List<int> keyed = Enumerable.Range(0, lines.Count).Where(i => KeyLine().IsMatch(lines[i])).ToList();
        if (keyed.Count == 0)
        {
            return Garbage(text);
        }

        int line = keyed[_random.Next(keyed.Count)];
        Group key = KeyLine().Match(lines[line]).Groups["key"];
        int position = _random.Next(key.Length);
        string misspelled = _random.Next(3) switch
        {
            0 => key.Value.Remove(position, 1),
            1 => key.Value.Insert(position, key.Value[position].ToString()),
            _ => key.Value.ToUpperInvariant(),
        };
        lines[line] = Splice(lines[line], key.Index, key.Length, misspelled);
        return (Join(lines), $"key '{key.Value}' of line {line} to '{misspelled}'");
    }

    /// <summary>Replaces one mapping value (the text after "key: ") with <paramref name="replacement"/>.</summary>
    private (string, string) ReplaceValue(string text, string replacement, string verb)
    {
        List<Match> values = ValueMatches(text);
        if (values.Count == 0)
        {
            return (text + "model: " + replacement + "\n", $"{verb}: append model '{Escape(replacement)}'");
        }

        Match value = values[_random.Next(values.Count)];
        return (Splice(text, value.Index, value.Length, replacement), $"{verb} '{value.Value}' at {value.Index} to '{Escape(replacement)}'");
    }

    private static List<Match> ValueMatches(string text) => ValuePattern().Matches(text).Where(m => m.Length > 0).ToList();

    private static List<string> Lines(string text) => text.Split('\n').ToList();

    private static string Join(List<string> lines) => string.Join("\n", lines);

    private static string Indentation(string line) => line[..(line.Length - line.TrimStart(' ', '-').Length)].Replace('-', ' ');

    private static string Splice(string text, int index, int length, string replacement) =>
        text[..index] + replacement + text[(index + length)..];

    private static string Escape(string text)
    {
        var escaped = new StringBuilder();
        foreach (char c in text.Length > 40 ? text[..40] + "…" : text)
        {
            escaped.Append(char.IsControl(c) || char.IsSurrogate(c) || c > '\u007E' ? $"\\u{(int)c:X4}" : c.ToString());
        }

        return escaped.ToString();
    }

    // A plain value after "key: ", up to a comment or the end of the line.
    [GeneratedRegex(@"(?<=[A-Za-z_]: )[^\s#][^#\n\r]*?(?=\s*(#|$))", RegexOptions.Multiline)]
    private static partial Regex ValuePattern();

    [GeneratedRegex(@"(?<![\w.])-?\d+(\.\d+)?([eE][-+]?\d+)?(?![\w.])")]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"[A-Za-z0-9_-]+")]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"^(?<indent> *)(?<dash>- )?(?<key>[a-z_]+):(?: (?<value>[^#\n\r]*))?")]
    private static partial Regex KeyLine();
}
