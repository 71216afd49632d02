using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generators.Common;
using RnnGen.Generators.Diagnostics;

namespace RnnGen.Generators;

/// <summary>Source outputs that only report diagnostics.</summary>
internal static class Reporting
{
    public static void ReportAll(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (DiagnosticInfo diagnostic in diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic());
        }
    }

    public static void ReportDuplicates(SourceProductionContext context, EquatableArray<DuplicateClaim> duplicates)
    {
        foreach (DuplicateClaim duplicate in duplicates)
        {
            DiagnosticInfo info = DiagnosticInfo.Create(
                DiagnosticDescriptors.DuplicateModel,
                duplicate.LoserLocation ?? new LocationInfo(duplicate.LoserPath, default, default),
                duplicate.FullName,
                SpecFiles.FileName(duplicate.OwnerPath));
            context.ReportDiagnostic(info.ToDiagnostic());
        }
    }

    public static void ReportLanguageVersion(SourceProductionContext context, ((bool Supported, bool AnyModel) State, ParseOptions Options) input)
    {
        if (input.State.Supported || !input.State.AnyModel)
        {
            return;
        }

        string version = input.Options is CSharpParseOptions csharp ? csharp.LanguageVersion.ToDisplayString() : "?";
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LanguageVersionTooOld, Location.None, version));
    }
}
