using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using RnnGen.Samples;

namespace RnnGen.Demo;

/// <summary>One epoch of <see cref="Training"/>, as its progress line reports it.</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="LearningRate">Adam's learning rate during the epoch.</param>
/// <param name="Loss">The mean binary cross-entropy of the epoch's training sequences, each as the model met it.</param>
/// <param name="BatchAccuracy">
/// The share of the training sequences the model got right as it met them, before the step of their batch: a loss
/// below ln 2 means P(jump) was on the label's side of 0.5, so no extra pass is needed.
/// </param>
/// <param name="ValidationAccuracy">Accuracy on the validation set after the epoch.</param>
internal sealed record EpochResult(int Epoch, float LearningRate, double Loss, double BatchAccuracy, double ValidationAccuracy);

/// <summary>
/// Trains a fresh <see cref="JumpDetector"/> on the jump task from scratch, with the training API the spec's
/// <c>training:</c> section generates (binary cross-entropy on the logits, Adam, the gradient norm clipped at 1):
/// mini-batches of <see cref="BatchSize"/> sequences (<c>AccumulateGradients</c> per sequence, then
/// <c>ApplyGradients</c>), the learning rate set per epoch by <see cref="Schedule"/>. One thread, fixed seeds and a fixed
/// order: every run computes the same weights.
/// </summary>
internal sealed class Training
{
    /// <summary>The initialization's seed: <c>new JumpDetector(InitSeed)</c>.</summary>
    public const int InitSeed = 1;

    /// <summary>Training sequences (docs/jump_task.md, seed 1), visited in the same order every epoch.</summary>
    public const int TrainingSize = 3000;

    /// <summary>Validation sequences (seed 2), checked after every epoch.</summary>
    public const int ValidationSize = 1000;

    /// <summary>Sequences per optimizer step.</summary>
    public const int BatchSize = 16;

    /// <summary>
    /// Below this validation accuracy the demo fails. The schedule reaches 98.7-99.3% from each of the initialization
    /// seeds 0-9 (docs/demo.md); a change in the last bits of the runtime's arithmetic changes the trajectory, so the
    /// floor leaves room for that, but not for a broken gradient or optimizer (which stay near 50%).
    /// </summary>
    public const double AccuracyFloor = 0.95;

    private static readonly float Ln2 = MathF.Log(2);

    private readonly JumpSample[] _training;
    private readonly JumpSample[] _validation;
    private readonly float[] _target = new float[JumpDetector.OutputLength * JumpDetector.OutputSize];
    private readonly List<EpochResult> _epochs = [];
    private double _loss;
    private int _right;
    private long _trainingTicks;
    private long _validationTicks;

    /// <summary>Creates the model and remembers the data sets.</summary>
    /// <param name="training">The training sequences.</param>
    /// <param name="validation">The validation sequences.</param>
    public Training(JumpSample[] training, JumpSample[] validation)
    {
        _training = training;
        _validation = validation;
        Model = new JumpDetector(InitSeed);
    }

    /// <summary>
    /// Adam's learning rate, epoch by epoch: the spec's 0.005 for 7 epochs, then a fifth of it for 3 to settle. This
    /// is PyTorch's schedule (src/python/train_jump.py), with batches of 16 instead of 50 and 3000 sequences instead of
    /// 4000: more steps per sequence, so fewer sequences do. With the spec's forget_bias of 1 the model leaves the 50%
    /// plateau in the first epoch or two.
    /// </summary>
    public static IReadOnlyList<(int Epochs, float LearningRate)> Schedule { get; } = [(7, 0.005f), (3, 0.001f)];

    /// <summary>Epochs in <see cref="Schedule"/>.</summary>
    public static int EpochCount
    {
        get
        {
            int epochs = 0;
            foreach ((int count, _) in Schedule)
            {
                epochs += count;
            }

            return epochs;
        }
    }

    /// <summary>Optimizer steps per epoch (the last batch may be short).</summary>
    public int BatchesPerEpoch => (_training.Length + BatchSize - 1) / BatchSize;

    /// <summary>The model being trained.</summary>
    public JumpDetector Model { get; }

    /// <summary>The epochs run so far.</summary>
    public IReadOnlyList<EpochResult> Epochs => _epochs;

    /// <summary>Time spent in forward, backward and optimizer steps, without the validation passes.</summary>
    public TimeSpan TrainingTime => Duration(_trainingTicks);

    /// <summary>Time spent in the validation passes after each epoch.</summary>
    public TimeSpan ValidationTime => Duration(_validationTicks);

    /// <summary>Sequences that went through forward, BPTT and the optimizer so far.</summary>
    public long SequencesTrained => (long)_epochs.Count * _training.Length;

    /// <summary>The schedule as text: "0.005 for 7 epochs, 0.001 for 3".</summary>
    public static string DescribeSchedule()
    {
        var parts = new List<string>();
        foreach ((int epochs, float rate) in Schedule)
        {
            string rateText = rate.ToString(CultureInfo.InvariantCulture);
            parts.Add(parts.Count == 0 ? $"{rateText} for {epochs} epochs" : $"{rateText} for {epochs}");
        }

        return string.Join(", ", parts);
    }

    /// <summary>The learning rate of a 1-based epoch.</summary>
    public static float LearningRateOf(int epoch)
    {
        int end = 0;
        foreach ((int epochs, float rate) in Schedule)
        {
            end += epochs;
            if (epoch <= end)
            {
                return rate;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(epoch), epoch, $"the schedule has {end} epochs");
    }

    /// <summary>One progress stage per epoch: a step per batch, then the validation pass and the epoch's figures.</summary>
    public Stage[] Stages()
    {
        var stages = new Stage[EpochCount];
        for (int e = 0; e < stages.Length; e++)
        {
            int epoch = e + 1;
            float rate = LearningRateOf(epoch);
            stages[e] = new Stage($"Epoch {epoch,2}/{stages.Length}, lr {rate.ToString(CultureInfo.InvariantCulture),-5}", BatchesPerEpoch, batch => TrainBatch(epoch, batch))
            {
                Finish = () => FinishEpoch(epoch, rate),
                QuarterLines = false,
            };
        }

        return stages;
    }

    /// <summary>The share of <paramref name="samples"/> <paramref name="model"/> gets right (P(jump) &gt; 0.5 for a jump).</summary>
    public static double Accuracy(JumpDetector model, JumpSample[] samples)
    {
        Span<float> output = stackalloc float[JumpDetector.OutputLength * JumpDetector.OutputSize];
        int right = 0;
        foreach (JumpSample sample in samples)
        {
            model.Predict(sample.Frames, output);
            right += (output[0] > ConfusionMatrix.Threshold) == sample.IsJump ? 1 : 0;
        }

        return samples.Length == 0 ? 0 : (double)right / samples.Length;
    }

    private static TimeSpan Duration(long ticks) => TimeSpan.FromSeconds((double)ticks / Stopwatch.Frequency);

    private void TrainBatch(int epoch, int batch)
    {
        long started = Stopwatch.GetTimestamp();
        if (batch == 0)
        {
            Model.LearningRate = LearningRateOf(epoch);
            _loss = 0;
            _right = 0;
        }

        int first = batch * BatchSize;
        int end = Math.Min(first + BatchSize, _training.Length);
        for (int i = first; i < end; i++)
        {
            _target[0] = _training[i].IsJump ? 1 : 0;
            float loss = Model.AccumulateGradients(_training[i].Frames, _target);
            _loss += loss;
            _right += loss < Ln2 ? 1 : 0;
        }

        Model.ApplyGradients(end - first);
        _trainingTicks += Stopwatch.GetTimestamp() - started;
    }

    private string FinishEpoch(int epoch, float rate)
    {
        long started = Stopwatch.GetTimestamp();
        double validation = Accuracy(Model, _validation);
        _validationTicks += Stopwatch.GetTimestamp() - started;
        var result = new EpochResult(epoch, rate, _loss / _training.Length, (double)_right / _training.Length, validation);
        _epochs.Add(result);
        return string.Create(CultureInfo.InvariantCulture, $"loss {result.Loss:F4}, train {result.BatchAccuracy * 100:F1}%, validation {result.ValidationAccuracy * 100:F1}%");
    }
}
