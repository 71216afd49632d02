using System;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Generators.Diagnostics;
using RnnGen.Generators.Emit;

namespace RnnGen.Generators;

/// <summary>The source output: emits one request, and turns an emitter failure into RNN0099 instead of a crash.</summary>
internal static class Emission
{
    public static void Emit(SourceProductionContext context, EmitRequest request)
    {
        if (!request.Emit)
        {
            return;
        }

        string source;
        try
        {
            source = ModelEmitter.Emit(request.Spec, request.Namespace, request.Weights);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            var location = new LocationInfo(request.Spec.SpecPath, default, default);
            context.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, exception.GetType().Name + ": " + exception.Message).ToDiagnostic());
            return;
        }

        context.AddSource(request.HintName, SourceText.From(source, Encoding.UTF8));
    }
}
