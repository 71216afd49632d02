using System.Linq;
using Microsoft.CodeAnalysis;
using RnnGen.Generators.Common;

namespace RnnGen.Generators.Diagnostics;

/// <summary>A diagnostic as value-equal data: descriptor, plain location and message arguments.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArgs) =>
        new(descriptor, location, messageArgs.ToEquatableArray());

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None, MessageArgs.ToArray<object>());
}
