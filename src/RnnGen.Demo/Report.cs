using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using RnnGen.Samples;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RnnGen.Demo;

/// <summary>The demo's tables. Plain tables and markup render the same on a terminal and in a redirected log.</summary>
internal static class Report
{
    private const string Levels = "▁▂▃▄▅▆▇█";

    private const double SparklineSpan = 0.5;

    public static IRenderable Accuracy(ConfusionMatrix confusion, PyTorchReference reference)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Confusion matrix (a jump when P(jump) > 0.5)");
        table.AddColumn(string.Empty);
        table.AddColumn(new TableColumn("called a jump").RightAligned());
        table.AddColumn(new TableColumn("called no jump").RightAligned());
        table.AddRow(new Markup("[bold]jumps[/]"), Count(confusion.TruePositives, good: true), Count(confusion.FalseNegatives, good: false));
        table.AddRow(new Markup("[bold]no jumps[/]"), Count(confusion.FalsePositives, good: false), Count(confusion.TrueNegatives, good: true));

        return new Rows(
            new Markup($"[bold]Accuracy[/] on {confusion.Count} fresh sequences: [bold]{Percent(confusion.Accuracy)}[/] ({confusion.Correct}/{confusion.Count}); "
                + $"PyTorch, same weights and sequences: {Percent(reference.Accuracy)} ({reference.Correct}/{reference.Count})"),
            table);
    }

    public static IRenderable Timings(Timing timing)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Time per sequence (Predict, 30 frames, one thread)");
        table.AddColumn("measure");
        table.AddColumn(new TableColumn("time").RightAligned());
        table.AddRow("first call (includes JIT compilation)", Microseconds(timing.FirstCall));
        table.AddRow("median of the other calls, timed one by one", Microseconds(timing.Median));
        table.AddRow("99th percentile of those", Microseconds(timing.P99));
        table.AddRow($"mean of the fastest of {timing.Rounds} more passes over all", Microseconds(timing.BestPass));
        table.AddRow("managed memory allocated by those passes", $"{timing.AllocatedBytes} bytes");
        if (timing.RuntimeOptimized)
        {
            return table;
        }

        return new Rows(
            table,
            new Markup("[yellow]RnnGen.dll is a Debug build (JIT optimizations off), which slows Predict several times: "
                + "dotnet run -c Release --project src/RnnGen.Demo gives representative timings.[/]"));
    }

    /// <summary>The first sequences of the set, and the first the detector got wrong if none of those is.</summary>
    public static IRenderable Examples(JumpSample[] samples, float[] probabilities, int first = 4)
    {
        var shown = new List<int>();
        for (int i = 0; i < Math.Min(first, samples.Length); i++)
        {
            shown.Add(i);
        }

        for (int i = first; i < samples.Length; i++)
        {
            if (IsWrong(samples[i], probabilities[i]))
            {
                shown.Add(i);
                break;
            }
        }

        var table = new Table().Border(TableBorder.Rounded).Title("Examples (mean keypoint height over the 30 frames)");
        table.AddColumn(new TableColumn("#").RightAligned());
        table.AddColumn("what happens");
        table.AddColumn("height");
        table.AddColumn(new TableColumn("P(jump)").RightAligned());
        table.AddColumn("verdict");
        foreach (int i in shown)
        {
            JumpSample sample = samples[i];
            float p = probabilities[i];
            string verdict = p > ConfusionMatrix.Threshold ? "jump" : "no jump";
            table.AddRow(
                new Text(i.ToString(CultureInfo.InvariantCulture)),
                new Text(sample.Story),
                new Text(Sparkline(sample)),
                new Text(p.ToString("F4", CultureInfo.InvariantCulture)),
                IsWrong(sample, p) ? new Markup($"[red]{verdict} (wrong)[/]") : new Markup($"[green]{verdict} (right)[/]"));
        }

        return table;
    }

    public static IRenderable Comparison(Comparison comparison)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("C# against PyTorch (same weights, same sequences)");
        table.AddColumn(new TableColumn("#").RightAligned());
        table.AddColumn("label");
        table.AddColumn(new TableColumn("PyTorch P(jump)").RightAligned());
        table.AddColumn(new TableColumn("C# P(jump)").RightAligned());
        table.AddColumn(new TableColumn("|difference|").RightAligned());
        for (int i = 0; i < comparison.Probabilities.Length; i++)
        {
            (double pyTorch, float cSharp, bool isJump) = comparison.Probabilities[i];
            table.AddRow(
                i.ToString(CultureInfo.InvariantCulture),
                isJump ? "jump" : "no jump",
                pyTorch.ToString("F9", CultureInfo.InvariantCulture),
                cSharp.ToString("F9", CultureInfo.InvariantCulture),
                Scientific(Math.Abs(cSharp - pyTorch)));
        }

        string Check(bool ok) => ok ? "[green]ok[/]" : "[red]FAILED[/]";
        return new Rows(
            table,
            new Markup($"max |difference| {Scientific(comparison.MaxDifference)} (tolerance {Scientific(Demo.Comparison.Tolerance)}): {Check(comparison.MaxDifference <= Demo.Comparison.Tolerance)}"),
            new Markup($"labels of the C# generator as Python's: {Check(comparison.LabelsMatch)}"),
            new Markup($"correct verdicts: C# {comparison.Correct}, PyTorch {comparison.ReferenceCorrect} (at most {Demo.Comparison.VerdictTolerance} may differ): "
                + Check(Math.Abs(comparison.Correct - comparison.ReferenceCorrect) <= Demo.Comparison.VerdictTolerance)));
    }

    /// <summary>How long training took: the wall time, and the training steps' share of it per sequence.</summary>
    public static IRenderable TrainingTime(Training training, TimeSpan wallTime)
    {
        double perSecond = training.SequencesTrained / training.TrainingTime.TotalSeconds;
        long perEpoch = training.SequencesTrained / Math.Max(1, training.Epochs.Count);
        return new Markup($"[bold]Training took {wallTime.TotalSeconds:F1} s[/] (wall time): {training.SequencesTrained:N0} sequences ({training.Epochs.Count} epochs of {perEpoch:N0}) "
            + $"through forward, BPTT and Adam in {training.TrainingTime.TotalSeconds:F1} s, [bold]{perSecond:N0} sequences/s[/] on one thread; "
            + $"the validation passes after each epoch took {training.ValidationTime.TotalSeconds:F1} s.");
    }

    /// <summary>Where the trained weights went and whether they came back identical.</summary>
    public static IRenderable Saved(string path, long bytes, bool roundTrip) =>
        new Rows(
            new Markup($"Saved the trained weights: [bold]{Markup.Escape(path)}[/] ({bytes:N0} bytes, SaveSafetensors)."),
            roundTrip
                ? new Markup($"Loaded them into a new JumpDetector (LoadSafetensors): all {JumpDetector.ParameterCount} parameters [green]identical, bit for bit[/].")
                : new Markup("[red]Loaded into a new JumpDetector, the parameters differ from the trained ones.[/]"));

    /// <summary>Accuracy of each set of weights on the validation and fresh sequences, computed by the C# class.</summary>
    public static IRenderable TrainedAccuracy(int freshCount, params (string TrainedIn, string File, double? Validation, double? Fresh)[] rows)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"Accuracy on {Training.ValidationSize} validation and {freshCount} fresh sequences (C# Predict, a jump when P(jump) > 0.5)");
        table.AddColumn("trained in");
        table.AddColumn("weights");
        table.AddColumn(new TableColumn($"validation (seed {JumpTask.ValidationSeed})").RightAligned());
        table.AddColumn(new TableColumn($"fresh (seed {JumpTask.FreshSeed})").RightAligned());
        foreach ((string trainedIn, string file, double? validation, double? fresh) in rows)
        {
            table.AddRow(new Text(trainedIn), new Text(file), new Text(OptionalPercent(validation)), new Text(OptionalPercent(fresh)));
        }

        return table;
    }

    /// <summary>A path relative to the current folder when it lies below it, as a user would type it.</summary>
    public static string DisplayPath(string path)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    private static bool IsWrong(JumpSample sample, float probability) => (probability > ConfusionMatrix.Threshold) != sample.IsJump;

    private static Markup Count(int value, bool good) => new(good ? $"[green]{value}[/]" : value == 0 ? "0" : $"[red]{value}[/]");

    private static string Percent(double fraction) => (fraction * 100).ToString("F1", CultureInfo.InvariantCulture) + "%";

    private static string OptionalPercent(double? fraction) => fraction is { } value ? Percent(value) : "-";

    private static string Scientific(double value) => value.ToString("0.00e+0", CultureInfo.InvariantCulture);

    private static string Microseconds(TimeSpan time) => $"{time.TotalMicroseconds:F1} µs";

    /// <summary>The mean height of the keypoints in each frame, one block character per frame, from the sequence's lowest up.</summary>
    private static string Sparkline(JumpSample sample)
    {
        Span<double> mean = stackalloc double[JumpTask.Steps];
        for (int t = 0; t < JumpTask.Steps; t++)
        {
            double sum = 0;
            for (int k = 0; k < JumpTask.Keypoints; k++)
            {
                sum += sample.Frames[(t * JumpTask.Features) + (2 * k)];
            }

            mean[t] = sum / JumpTask.Keypoints;
        }

        double low = double.PositiveInfinity, high = double.NegativeInfinity;
        foreach (double m in mean)
        {
            low = Math.Min(low, m);
            high = Math.Max(high, m);
        }

        // At least SparklineSpan from the lowest to the highest block, so that noise and gait stay low and flat.
        double span = Math.Max(high - low, SparklineSpan);
        Span<char> line = stackalloc char[JumpTask.Steps];
        for (int t = 0; t < JumpTask.Steps; t++)
        {
            int level = (int)(((mean[t] - low) / span * (Levels.Length - 1)) + 0.5);
            line[t] = Levels[level];
        }

        return new string(line);
    }
}
