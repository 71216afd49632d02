using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace RnnGen.Generators.Diagnostics;

/// <summary>
/// A source location as plain data. Roslyn's <see cref="Location"/> would tie the model to a
/// compilation and break caching, so it is created only when the diagnostic is reported.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}
