using System.Threading;
using RnnGen.Generators.Common;

namespace RnnGen.Generators.Spec;

/// <summary>Turns the text of one <c>*.rnn.yaml</c> file into a validated <see cref="ModelSpec"/>.</summary>
internal static class SpecParser
{
    /// <summary>Parses and validates a spec. Never throws (but for cancellation).</summary>
    /// <param name="path">Path of the spec file, used in diagnostic locations.</param>
    /// <param name="text">The whole file.</param>
    public static ParseResult Parse(string path, string text, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _ = path;
        _ = text;
        return new ParseResult(null, EquatableArray<Diagnostics.DiagnosticInfo>.Empty);
    }
}
