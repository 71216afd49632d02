using System;
using System.Threading;
using RnnGen.Generators.Common;
using RnnGen.Generators.Diagnostics;

namespace RnnGen.Generators.Spec;

/// <summary>
/// Turns the text of one <c>*.rnn.yaml</c> file into a validated <see cref="ModelSpec"/>, in four
/// stages that each stop the next on error: bounded YAML reading, typed reading, the rules that
/// span sections, and the support policy of this release.
/// </summary>
internal static class SpecParser
{
    /// <summary>Parses and validates a spec. Never throws (but for cancellation).</summary>
    /// <param name="path">Path of the spec file, used in diagnostic locations.</param>
    /// <param name="text">The whole file.</param>
    public static ParseResult Parse(string path, string text, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return ParseCore(path, text, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return InternalError(path, exception);
        }
    }

    // A method of its own, so that even a failure to load YamlDotNet (a broken install), which
    // happens when this body is compiled, is caught above.
    private static ParseResult ParseCore(string path, string text, CancellationToken cancellationToken)
    {
        var diagnostics = new SpecDiagnostics();
        var context = new ReadContext(new SpecLocator(path, text), diagnostics);
        YamlNode? root = BoundedYamlReader.Read(text, context.Locator, diagnostics, cancellationToken);
        LocationInfo? modelLocation = null;
        ModelSpec? spec = diagnostics.HasErrors ? null : SpecReader.Read(root, path, context, out modelLocation);
        if (spec is not null)
        {
            SpecValidator.Validate(spec, context);
        }

        if (spec is not null && !diagnostics.HasErrors)
        {
            SupportPolicy.Apply(spec, context);
        }

        return new ParseResult(diagnostics.HasErrors ? null : spec, diagnostics.ToEquatableArray())
        {
            ModelLocation = modelLocation,
            WeightsLocation = spec?.Weights is null ? null : context.Map.Value(SpecKeys.Weights),
        };
    }

    /// <summary>A bug of ours, reported (RNN0099) rather than thrown into the compiler.</summary>
    private static ParseResult InternalError(string path, Exception exception)
    {
        var location = new LocationInfo(path ?? string.Empty, default, default);
        string reason = exception.GetType().Name + ": " + exception.Message;
        return new ParseResult(null, new[] { DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, reason) }.ToEquatableArray());
    }
}
