using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace RnnGen.Benchmarks;

/// <summary>The mean divided by the method's <see cref="TimeStepsAttribute"/>: ns per time step, comparable across Step and Predict.</summary>
public sealed class PerStepColumn : IColumn
{
    public string Id => nameof(PerStepColumn);

    public string ColumnName => "ns/step";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Mean time per time step in ns: the mean divided by the steps one call runs (1 for Step, T = 100 for a sequence)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        int? steps = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<TimeStepsAttribute>()?.Count;
        return mean is null || steps is null ? "-" : (mean.Value / steps.Value).ToString("N1", CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

/// <summary>Sequences per second for the methods that run a whole sequence (Predict, TrainStep).</summary>
public sealed class SequencesPerSecondColumn : IColumn
{
    public string Id => nameof(SequencesPerSecondColumn);

    public string ColumnName => "seq/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 1;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Sequences per second (sequences per call / mean) for methods that run whole sequences";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        int? steps = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<TimeStepsAttribute>()?.Count;
        // a call runs steps / T sequences: 1 for Predict and TrainStep, the batch for PredictBatch
        return mean is null || steps is null || steps.Value == 1 ? "-" : (steps.Value / (double)ModelCatalog.SequenceLength * 1e9 / mean.Value).ToString("N0", CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
