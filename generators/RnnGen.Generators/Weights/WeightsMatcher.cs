using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using RnnGen.Generators.Common;
using RnnGen.Generators.Diagnostics;
using RnnGen.Generators.Emit;
using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Weights;

/// <summary>
/// Checks a spec's weights file against the model the spec describes, as <c>LoadSafetensors</c> would at run time
/// (every parameter present with its exact shape, no unknown tensor, a dtype it converts), but at build time, each
/// problem a located diagnostic at the spec's <c>weights</c> value. Never throws (but for cancellation).
/// </summary>
internal static class WeightsMatcher
{
    /// <summary>Unknown tensors reported one by one, at most; a file for another model would otherwise flood the build.</summary>
    private const int MaxUnknownReported = 10;

    public static WeightsResult Match(WeightsRequest request, ImmutableArray<WeightsFileData> files, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        CompiledWeights? weights = null;
        try
        {
            weights = MatchCore(request, files, diagnostics, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, request.Location, exception.GetType().Name + ": " + exception.Message));
        }

        return new WeightsResult(request.Spec.SpecPath, diagnostics.Count == 0 ? weights : null, diagnostics.ToEquatableArray());
    }

    private static CompiledWeights? MatchCore(WeightsRequest request, ImmutableArray<WeightsFileData> files, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        string name = request.Spec.Weights!;
        void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, params string[] args) =>
            diagnostics.Add(DiagnosticInfo.Create(descriptor, request.Location, new[] { name }.Concat(args).ToArray()));

        if (WeightsPaths.Find(files, request.WeightsPath, static file => file.SourcePath) is not { } file)
        {
            Report(DiagnosticDescriptors.WeightsFileNotFound, request.WeightsPath);
            return null;
        }

        if (file.Problem is { } problem)
        {
            Report(DiagnosticDescriptors.InvalidWeightsFile, problem);
            return null;
        }

        if (file.Length > WeightsSidecar.MaxBytes)
        {
            Report(DiagnosticDescriptors.WeightsTooLarge, Count(file.Length), Count(WeightsSidecar.MaxBytes));
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(file.Base64);
        }
        catch (FormatException)
        {
            bytes = Array.Empty<byte>();
        }

        if (bytes.LongLength != file.Length)
        {
            Report(DiagnosticDescriptors.InvalidWeightsFile, "its sidecar does not hold the file; rebuild to write it again");
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (SafetensorsContents.Read(bytes, out string? error) is not { } contents)
        {
            Report(DiagnosticDescriptors.InvalidWeightsFile, error!);
            return null;
        }

        Dictionary<string, SafetensorsEntry> byName = contents.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        IReadOnlyList<TensorPlan> layout = ModelEmitter.Tensors(request.Spec, null);
        var compiled = new List<CompiledTensor>(layout.Count);
        foreach (TensorPlan tensor in layout)
        {
            if (!byName.TryGetValue(tensor.Name, out SafetensorsEntry? entry))
            {
                Report(DiagnosticDescriptors.WeightsTensorMissing, tensor.Name, tensor.ShapeText);
                continue;
            }

            if (!entry.Shape.SequenceEqual(tensor.Shape))
            {
                Report(DiagnosticDescriptors.WeightsShapeMismatch, tensor.Name, entry.ShapeText, tensor.ShapeText);
                continue;
            }

            if (SafetensorsContents.ElementSize(entry.DType) == 0)
            {
                Report(DiagnosticDescriptors.WeightsDTypeUnsupported, tensor.Name, entry.DType);
                continue;
            }

            int start = checked((int)(contents.DataStart + entry.Begin));
            int length = checked((int)(entry.End - entry.Begin));
            if (entry.DType == "F64" && request.Spec.Precision == Precision.Float32 && FirstBeyondFloat(bytes, start, length) is { } beyond)
            {
                Report(DiagnosticDescriptors.WeightsOutOfRange, tensor.Name, beyond.Value.ToString("R", CultureInfo.InvariantCulture), Count(beyond.Index));
                continue;
            }

            compiled.Add(new CompiledTensor(tensor.Name, entry.DType, Pack(bytes, start, length)));
        }

        var known = new HashSet<string>(layout.Select(t => t.Name), StringComparer.Ordinal);
        foreach (SafetensorsEntry entry in contents.Entries.Where(e => !known.Contains(e.Name)).Take(MaxUnknownReported))
        {
            Report(DiagnosticDescriptors.WeightsTensorUnknown, entry.Name, entry.ShapeText);
        }

        return new CompiledWeights(name, compiled.ToEquatableArray());
    }

    /// <summary>The first finite F64 value that float32 cannot hold (it would load as an infinity), with its index.</summary>
    private static (double Value, long Index)? FirstBeyondFloat(byte[] bytes, int start, int length)
    {
        for (int i = 0; i < length / 8; i++)
        {
            long bits = 0;
            for (int b = 7; b >= 0; b--)
            {
                bits = (bits << 8) | bytes[start + (8 * i) + b];
            }

            double value = BitConverter.Int64BitsToDouble(bits);
            if (float.IsInfinity((float)value) && !double.IsInfinity(value) && !double.IsNaN(value))
            {
                return (value, i);
            }
        }

        return null;
    }

    /// <summary>Two bytes per char, the low byte first: the form the generated class holds and <c>RnnGen.CompiledWeights</c> reads.</summary>
    private static string Pack(byte[] bytes, int start, int length)
    {
        var builder = new StringBuilder(length / 2);
        for (int i = 0; i < length; i += 2)
        {
            builder.Append((char)(bytes[start + i] | (bytes[start + i + 1] << 8)));
        }

        return builder.ToString();
    }

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
