using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using RnnGen.Generators.Common;
using RnnGen.Generators.Diagnostics;

namespace RnnGen.Generators.Spec;

/// <summary>The diagnostics of one spec, in the order they were found.</summary>
internal sealed class SpecDiagnostics
{
    private readonly List<DiagnosticInfo> _items = new();

    /// <summary>Whether anything was reported that keeps the class from being generated.</summary>
    public bool HasErrors { get; private set; }

    public void Report(DiagnosticDescriptor descriptor, LocationInfo location, params string[] messageArgs)
    {
        _items.Add(DiagnosticInfo.Create(descriptor, location, messageArgs));
        HasErrors |= descriptor.DefaultSeverity == DiagnosticSeverity.Error;
    }

    public EquatableArray<DiagnosticInfo> ToEquatableArray() => _items.ToEquatableArray();
}
