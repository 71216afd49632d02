using System.Globalization;
using System.IO;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace RnnGen.Cli.Build;

/// <summary>Prints diagnostics as the compiler and MSBuild do: <c>path(line,col): error RNN0005: message</c>, 1-based.</summary>
internal static class DiagnosticText
{
    public static string Format(Diagnostic diagnostic) =>
        CSharpDiagnosticFormatter.Instance.Format(diagnostic, CultureInfo.InvariantCulture);

    public static void WriteAll(TextWriter writer, SpecBuildResult result)
    {
        foreach (Diagnostic diagnostic in result.Diagnostics)
        {
            writer.WriteLine(Format(diagnostic));
        }
    }

    /// <summary>"1 error, 2 warnings": the tally MSBuild ends a build with.</summary>
    public static string Tally(SpecBuildResult result) =>
        Count(result.ErrorCount, "error") + ", " + Count(result.WarningCount, "warning");

    public static string Count(int count, string noun) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + noun + (count == 1 ? string.Empty : "s");
}
