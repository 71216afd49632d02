using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using RnnGen.Generators.Diagnostics;
using RnnGen.Generators.Spec;
using Xunit;
using static RnnGen.Tests.Diagnostics.SpecTexts;

namespace RnnGen.Tests.Diagnostics;

/// <summary>
/// Inputs meant to break, hang or exhaust a YAML reader. Each must end quickly in a located
/// error (never an exception, never RNN0099) and no spec.
/// </summary>
public sealed class HostileYamlTests
{
    // Generous for a shared 2-core machine; a hang or a quadratic blow-up takes far longer.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    private static readonly Dictionary<string, (string Id, Func<string> Text)> Cases = new()
    {
        ["tab indentation"] = ("RNN0001", () => Minimal.Replace("    hidden: 8", "\t\thidden: 8")),
        ["unclosed double quote"] = ("RNN0001", () => Replace("model: Tiny", "model: \"Tiny")),
        ["unclosed single quote"] = ("RNN0001", () => Replace("cell: lstm", "cell: 'lstm")),
        ["unclosed bracket"] = ("RNN0001", () => Replace("input: 4", "input: [4, 5")),
        ["unclosed brace"] = ("RNN0001", () => Replace("input: 4", "input: { vocab: 4")),
        ["bad indentation"] = ("RNN0001", () => Replace("  head: sigmoid", " head: sigmoid")),
        ["empty key opening a sequence entry"] = ("RNN0001", () => Replace("  - cell: lstm", "  - : lstm")),
        ["key: value: value"] = ("RNN0001", () => Replace("model: Tiny", "model: Tiny: Model")),
        ["10k nested flow sequences"] = ("RNN0002", () => "model: " + new string('[', 10_000) + new string(']', 10_000)),
        ["10k nested flow mappings"] = ("RNN0002", () => "model: " + string.Concat(Enumerable.Repeat("{a: ", 10_000)) + "1" + new string('}', 10_000)),
        ["nested block mappings"] = ("RNN0002", () => string.Concat(Enumerable.Range(0, 40).Select(i => new string(' ', i) + "a:\n")) + new string(' ', 40) + "b: 1\n"),
        ["10 MB string"] = ("RNN0002", () => "model: " + new string('x', 10 * 1024 * 1024)),
        ["64 KiB and one character"] = ("RNN0002", () => Minimal + "#" + new string('x', (64 * 1024) - Minimal.Length)),
        ["5000 values"] = ("RNN0002", () => "input: [" + string.Join(",", Enumerable.Repeat("1", 5000)) + "]"),
        ["billion laughs"] = ("RNN0003", BillionLaughs),
        ["alias"] = ("RNN0003", () => Replace("sequence: 5", "sequence: *steps")),
        ["merge key"] = ("RNN0003", () => Replace("  mode: many-to-one", "  <<: *defaults\n  mode: many-to-one")),
        ["core tag"] = ("RNN0003", () => Replace("hidden: 8", "hidden: !!int 8")),
        ["local tag"] = ("RNN0003", () => Replace("layers:", "layers: !custom")),
        ["binary garbage"] = ("RNN0001", BinaryGarbage),
        ["NUL characters"] = ("RNN0001", () => "model: \0\0\0\nsequence: 5\n"),
        ["control characters"] = ("RNN0001", () => Replace("model: Tiny", "model: Ti\u0001ny")),
        ["delete character"] = ("RNN0001", () => Replace("model: Tiny", "model: Tiny\u007F")),
        ["lone surrogate"] = ("RNN0001", () => Replace("model: Tiny", "model: Ti\uD800ny")),
        ["two documents"] = ("RNN0002", () => Minimal + "---\n" + Minimal),
        ["document end then text"] = ("RNN0002", () => Minimal + "...\nmodel: Again\n"),
        ["empty file"] = ("RNN0006", () => string.Empty),
        ["only whitespace"] = ("RNN0006", () => "  \n\n   \n"),
        ["only comments"] = ("RNN0006", () => "# model: Tiny\n# input: 4\n"),
        ["only a document marker"] = ("RNN0006", () => "---\n"),
        ["bare scalar"] = ("RNN0007", () => "JumpDetector"),
        ["sequence at the root"] = ("RNN0007", () => "- model: Tiny\n- input: 4\n"),
        ["1e400"] = ("RNN0009", () => Minimal + "training:\n  loss: mse\n  optimizer: adam\n  learning_rate: 1e400\n"),
        ["20-digit integer"] = ("RNN0009", () => Replace("hidden: 8", "hidden: 99999999999999999999")),
        ["60000-digit integer"] = ("RNN0009", () => Replace("hidden: 8", "hidden: " + new string('9', 60_000))),
        [".nan"] = ("RNN0009", () => Replace("hidden: 8", "hidden: 8\n    cell_clip: .nan")),
        [".inf"] = ("RNN0009", () => Minimal + "training:\n  loss: mse\n  optimizer: sgd\n  learning_rate: .inf\n"),
        ["NaN spelled out"] = ("RNN0007", () => Replace("hidden: 8", "hidden: 8\n    cell_clip: NaN")),
        ["empty value"] = ("RNN0007", () => Replace("hidden: 8", "hidden:")),
        ["tilde"] = ("RNN0007", () => Replace("model: Tiny", "model: ~")),
        ["null"] = ("RNN0007", () => Replace("sequence: 5", "sequence: null")),
        ["empty key"] = ("RNN0007", () => ": 5\n" + Minimal),
        ["sequence as key"] = ("RNN0007", () => Minimal + "? [a, b]\n: 1\n"),
        ["mapping as key"] = ("RNN0007", () => Minimal + "? { a: 1 }\n: 1\n"),
        ["integer key"] = ("RNN0005", () => Minimal + "1: x\n"),
        ["emoji name"] = ("RNN0010", () => Replace("model: Tiny", "model: 🚀Rocket")),
        ["name with spaces"] = ("RNN0010", () => Replace("model: Tiny", "model: Jump Detector")),
        ["600-character name"] = ("RNN0010", () => Replace("model: Tiny", "model: M" + new string('x', 600))),
        ["multi-line name"] = ("RNN0010", () => Replace("model: Tiny", "model: |\n  Tiny\n  Model")),
        ["many duplicate keys"] = ("RNN0004", () => Minimal + string.Concat(Enumerable.Repeat("model: Tiny\n", 1000))),
        ["long simple key"] = ("RNN0001", () => Minimal + new string('k', 2000) + ": 1\n"),
        ["hex integer"] = ("RNN0007", () => Replace("hidden: 8", "hidden: 0x10")),
    };

    public static IEnumerable<object[]> Names => Cases.Keys.Select(name => new object[] { name });

    [Theory]
    [MemberData(nameof(Names))]
    public void EndsQuicklyInALocatedError(string name)
    {
        (string id, Func<string> make) = Cases[name];
        string text = make();

        var clock = Stopwatch.StartNew();
        ParseResult result = ParseAssert.Parse(text);
        clock.Stop();

        Assert.True(clock.Elapsed < Budget, $"{name} took {clock.Elapsed}");
        Assert.Null(result.Spec);
        Assert.DoesNotContain(result.Diagnostics, d => d.Descriptor.Id == "RNN0099");
        Assert.True(result.Diagnostics.Any(d => d.Descriptor.Id == id), $"{name}: expected {id}, got {ParseAssert.Ids(result)}");
        foreach (DiagnosticInfo diagnostic in result.Diagnostics)
        {
            ParseAssert.AssertConsistent(Assert.IsType<LocationInfo>(diagnostic.Location), text);
        }

        Assert.Contains(result.Diagnostics, d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void Cancellation_IsNotSwallowed()
    {
        using var source = new System.Threading.CancellationTokenSource();
        source.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => SpecParser.Parse(FilePath, Minimal, source.Token));
    }

    /// <summary>Ten levels of ten aliases each: 10^10 nodes if anything expanded them.</summary>
    private static string BillionLaughs()
    {
        var text = new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i < 10; i++)
        {
            string previous = "*a" + (i - 1);
            text.Append($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat(previous, 10))}]\n");
        }

        return text.ToString();
    }

    private static string BinaryGarbage()
    {
        var random = new Random(1234);
        var bytes = new byte[4096];
        random.NextBytes(bytes);
        return Encoding.Latin1.GetString(bytes);
    }
}
