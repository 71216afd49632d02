using System;
using System.Diagnostics;
using Spectre.Console;

namespace RnnGen.Demo;

/// <summary>A piece of work of <paramref name="Count"/> steps, shown with a progress bar.</summary>
/// <param name="Description">What it does, as plain text.</param>
/// <param name="Count">How many steps.</param>
/// <param name="Step">Runs step i.</param>
internal sealed record Stage(string Description, int Count, Action<int> Step)
{
    private const int Milestones = 4;

    /// <summary>
    /// Runs after the last step, inside the stage's time, and returns what the stage found, as plain text, for the
    /// stage's last line instead of "done" (a training epoch reports its loss and accuracies this way).
    /// </summary>
    public Func<string>? Finish { get; init; }

    /// <summary>
    /// Whether a redirected log gets a line at each quarter of the stage; a stage that is one of many short ones
    /// (an epoch) reports only its last line.
    /// </summary>
    public bool QuarterLines { get; init; } = true;

    /// <summary>
    /// Runs the stages in order: on an interactive terminal with live progress bars, otherwise (output redirected,
    /// a CI log) with one line per quarter of each stage and its time, which reads well in a log.
    /// </summary>
    /// <param name="console">Where to show progress.</param>
    /// <param name="stages">The stages.</param>
    public static void RunAll(IAnsiConsole console, params Stage[] stages)
    {
        if (console.Profile.Capabilities.Interactive)
        {
            console.Progress()
                .AutoClear(false)
                .Columns(Columns(console.Profile.Width))
                .Start(context =>
                {
                    var tasks = Array.ConvertAll(stages, s => context.AddTask(Markup.Escape(s.Description), autoStart: false, maxValue: s.Count));
                    for (int i = 0; i < stages.Length; i++)
                    {
                        tasks[i].StartTask();
                        for (int step = 0; step < stages[i].Count; step++)
                        {
                            stages[i].Step(step);
                            tasks[i].Increment(1);
                        }

                        if (stages[i].Finish is { } finish)
                        {
                            tasks[i].Description = Markup.Escape($"{stages[i].Description}: {finish()}");
                        }

                        tasks[i].StopTask();
                    }
                });
            return;
        }

        foreach (Stage stage in stages)
        {
            long started = Stopwatch.GetTimestamp();
            int milestone = 1;
            for (int step = 0; step < stage.Count; step++)
            {
                stage.Step(step);
                if (stage.QuarterLines && (long)(step + 1) * Milestones >= (long)milestone * stage.Count)
                {
                    console.WriteLine($"{stage.Description}: {step + 1}/{stage.Count} ({(step + 1) * 100 / stage.Count}%)");
                    milestone = (int)(((long)(step + 1) * Milestones / stage.Count) + 1);
                }
            }

            if (stage.Finish is { } finish)
            {
                string outcome = finish();
                console.WriteLine($"{stage.Description}: {outcome} ({Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms)");
            }
            else
            {
                console.WriteLine($"{stage.Description}: done in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms");
            }
        }
    }

    /// <summary>
    /// The bar gives way to the descriptions, which carry the figures (an epoch's line is about 65 characters): 40
    /// characters on a wide terminal, fewer on a narrower one, and below 100 columns no elapsed time either, so that
    /// an epoch's line still fits in 80 (its time is in the summary after training).
    /// </summary>
    private static ProgressColumn[] Columns(int width) => width >= 100
        ? [new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = Math.Min(40, width - 85) }, new PercentageColumn(), new ElapsedTimeColumn()]
        : [new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 8 }, new PercentageColumn()];
}
