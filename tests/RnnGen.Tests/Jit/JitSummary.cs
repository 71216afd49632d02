using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace RnnGen.Tests.Jit;

/// <summary>
/// One line of the JIT's method summary (<c>DOTNET_JitDisasmSummary=1</c>), as .NET 10 writes it:
/// <c>  12: JIT compiled Ns.Type:Method(args):ret [FullOpts, IL size=266, code size=545]</c>.
/// </summary>
/// <param name="Method">Declaring type (nested types joined by <c>+</c>) and name, e.g. <c>Ns.Type:Predict</c>.</param>
/// <param name="Tier">How it was compiled: <c>FullOpts</c>, <c>Tier0</c>, <c>Instrumented Tier0</c>, <c>Tier1</c>,
/// <c>MinOpts</c> (asked for, e.g. by <c>DOTNET_JITMinOpts</c>), <c>Tier-0 switched MinOpts</c> (the method was
/// over one of the JIT's limits, so optimization was given up), ...</param>
public sealed record JitCompilation(string Method, string Tier, int IlSize, string Line)
{
    /// <summary>Compiled without optimization, whether asked for or forced by the method's size.</summary>
    public bool IsMinOpts => Tier.Contains("MinOpts", StringComparison.Ordinal);
}

/// <summary>Parses the summary the JIT writes to <c>DOTNET_JitStdOutFile</c>.</summary>
public static class JitSummary
{
    // The signature may itself hold brackets (generic instantiations), so the tier is the last "[...]".
    private static readonly Regex Compiled = new(
        @"^\s*\d+: JIT compiled (?<signature>.+) \[(?<tier>[^,\[\]]+), IL size=(?<il>\d+), code size=\d+[^\]]*\]\s*$",
        RegexOptions.CultureInvariant);

    public static IReadOnlyList<JitCompilation> Parse(string text) =>
        text.Split('\n')
            .Select(line => (Line: line.TrimEnd('\r'), Match: Compiled.Match(line.TrimEnd('\r'))))
            .Where(x => x.Match.Success)
            .Select(x => new JitCompilation(
                MethodKey(x.Match.Groups["signature"].Value),
                x.Match.Groups["tier"].Value.Trim(),
                int.Parse(x.Match.Groups["il"].Value, System.Globalization.CultureInfo.InvariantCulture),
                x.Line.Trim()))
            .ToList();

    /// <summary><c>Ns.Type:Method(args):ret</c> or <c>Ns.Type:Method[T](args)</c> to <c>Ns.Type:Method</c>.</summary>
    private static string MethodKey(string signature)
    {
        int colon = signature.IndexOf(':', StringComparison.Ordinal);
        int end = signature.IndexOfAny(['(', '['], colon + 1);
        return end < 0 ? signature : signature[..end];
    }
}
