using System;
using System.Diagnostics;

namespace RnnGen.Generative;

/// <summary>Says when a few seconds have passed since the last report, and the mean loss over the steps between.</summary>
public sealed class Progress
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan _interval;
    private TimeSpan _last;
    private double _lossSum;
    private int _steps;

    /// <summary>Reports at most every <paramref name="interval"/>.</summary>
    public Progress(TimeSpan interval) => _interval = interval;

    /// <summary>Time since the start.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Adds one step's loss; true when a report is due (and then <see cref="TakeMeanLoss"/> gives it).</summary>
    public bool Add(float loss, bool force = false)
    {
        _lossSum += loss;
        _steps++;
        if (!force && _clock.Elapsed - _last < _interval)
        {
            return false;
        }

        _last = _clock.Elapsed;
        return true;
    }

    /// <summary>The mean loss of the steps since the last report; starts a new mean.</summary>
    public double TakeMeanLoss()
    {
        double mean = _lossSum / Math.Max(_steps, 1);
        _lossSum = 0;
        _steps = 0;
        return mean;
    }
}
