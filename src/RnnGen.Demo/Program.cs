using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using RnnGen;
using RnnGen.Demo;
using RnnGen.Samples;
using Spectre.Console;

// Does the dog jump? JumpDetector is generated at build time from specs/jump_detector.rnn.yaml (an LSTM(32)
// over 30 frames of 16 features, sigmoid head, and a training section). The demo has two parts:
// 1. weights trained in PyTorch by src/python/train_jump.py classify fresh sequences of the jump task
//    (docs/jump_task.md) that training never saw, and the C# answers are checked against PyTorch's;
// 2. a fresh JumpDetector is trained from scratch in C# with the generated training API, saved as safetensors,
//    reloaded, and checked on the validation and fresh sequences.
// Exit code: 0 when every check passes; 1 when the C# results differ from PyTorch's or the C#-trained detector
// stays below its accuracy floor; 2 when the PyTorch weights or their reference file are missing or unreadable.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
// Redirected output (a file, a CI log) gets plain text: no escape codes, no live display, a fixed width.
bool redirected = Console.IsOutputRedirected;
IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
{
    Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
    ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
    Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
});
if (redirected)
{
    console.Profile.Width = 120;
}

const string WeightsFile = "jump_detector.safetensors";
const string TrainedWeightsFile = "jump_detector.trained.safetensors";
const int FreshSize = 1000;
const int ExitFailed = 1;
const int ExitMissingFile = 2;

console.Write(new Rule("[bold]Does the dog jump?[/]").LeftJustified());
console.MarkupLine($"[grey]JumpDetector, generated from specs/jump_detector.rnn.yaml: an LSTM over {JumpDetector.SequenceLength} frames x {JumpDetector.InputSize} features (8 keypoints: height, horizontal velocity), sigmoid head, {JumpDetector.ParameterCount} parameters[/]");
console.WriteLine();
console.Write(new Rule("[bold]1. Weights trained in PyTorch[/]").LeftJustified());

int exitCode = 0;
string weightsPath = Path.Combine(AppContext.BaseDirectory, WeightsFile);
string referencePath = Path.Combine(AppContext.BaseDirectory, PyTorchReference.FileName);
var pyTorchModel = new JumpDetector();
PyTorchReference? reference = null;
try
{
    using (FileStream stream = File.OpenRead(weightsPath))
    {
        pyTorchModel.LoadSafetensors(stream);
    }

    reference = PyTorchReference.Load(referencePath);
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
    console.MarkupLine("The trained weights come from PyTorch: run [bold]/usr/bin/python3 src/python/train_jump.py[/] and build again (docs/demo.md). Training in C# needs no file: it runs all the same.");
    exitCode = ExitMissingFile;
}

JumpSample[]? fresh = null;
double? pyTorchFreshAccuracy = null;
if (reference is not null)
{
    console.MarkupLineInterpolated($"Loaded [bold]{WeightsFile}[/] (trained in PyTorch) and PyTorch's results on the same sequences.");
    console.WriteLine();

    var samples = new JumpSample[reference.Count];
    var probabilities = new float[reference.Count];
    var ticks = new long[reference.Count];
    var random = new InitRandom(reference.Seed);
    var output = new float[JumpDetector.OutputLength * JumpDetector.OutputSize];
    Stage.RunAll(
        console,
        new Stage($"Generating {reference.Count} fresh sequences (docs/jump_task.md, seed {reference.Seed})", reference.Count, i => samples[i] = JumpTask.Next(ref random)),
        new Stage("Classifying them with the C# JumpDetector", reference.Count, i =>
        {
            long started = Stopwatch.GetTimestamp();
            pyTorchModel.Predict(samples[i].Frames, output);
            ticks[i] = Stopwatch.GetTimestamp() - started;
            probabilities[i] = output[0];
        }));

    var confusion = ConfusionMatrix.Of(samples, probabilities);
    Timing timing = Timing.Measure(pyTorchModel, samples, ticks);
    console.WriteLine();
    console.Write(Report.Accuracy(confusion, reference));
    console.WriteLine();
    console.Write(Report.Timings(timing));
    console.WriteLine();
    console.Write(Report.Examples(samples, probabilities));
    console.WriteLine();

    Comparison comparison = Comparison.Of(reference, samples, probabilities, confusion.Correct);
    console.Write(Report.Comparison(comparison));
    console.WriteLine();
    if (comparison.Passed)
    {
        console.MarkupLine("[green bold]OK:[/] the C# JumpDetector reproduces PyTorch's results.");
    }
    else
    {
        console.MarkupLine("[red bold]FAILED:[/] the C# JumpDetector does not reproduce PyTorch's results.");
        exitCode = ExitFailed;
    }

    fresh = reference.Seed == JumpTask.FreshSeed ? samples : null;
    pyTorchFreshAccuracy = confusion.Accuracy;
}

console.WriteLine();
console.Write(new Rule("[bold]2. Training in C#, from scratch[/]").LeftJustified());
console.MarkupLine($"A new JumpDetector({Training.InitSeed}), random weights, learns with the API that the spec's [bold]training:[/] section generates "
    + $"(binary cross-entropy on the logits, Adam, the gradient norm clipped as the spec says): batches of {Training.BatchSize} sequences, AccumulateGradients for each, then ApplyGradients; "
    + $"{Training.TrainingSize} training sequences (seed {JumpTask.TrainingSeed}), the same order every epoch; learning rate {Training.DescribeSchedule()}. "
    + $"Each epoch reports its learning rate (lr), the mean loss, the share of training sequences right as their batches went by (train), and the accuracy on {Training.ValidationSize} validation sequences (seed {JumpTask.ValidationSeed}).");
console.WriteLine();

var training = new JumpSample[Training.TrainingSize];
var validation = new JumpSample[Training.ValidationSize];
var trainingRandom = new InitRandom(JumpTask.TrainingSeed);
var validationRandom = new InitRandom(JumpTask.ValidationSeed);
var generate = new List<Stage>
{
    new($"Generating {training.Length} training (seed {JumpTask.TrainingSeed}) and {validation.Length} validation sequences (seed {JumpTask.ValidationSeed})", training.Length + validation.Length, i =>
    {
        if (i < training.Length)
        {
            training[i] = JumpTask.Next(ref trainingRandom);
        }
        else
        {
            validation[i - training.Length] = JumpTask.Next(ref validationRandom);
        }
    }),
};
if (fresh is null)
{
    // Part 1 did not run: the fresh sequences it would have made, for the comparison below.
    var freshSet = new JumpSample[FreshSize];
    var freshRandom = new InitRandom(JumpTask.FreshSeed);
    generate.Add(new Stage($"Generating {FreshSize} fresh sequences (seed {JumpTask.FreshSeed})", FreshSize, i => freshSet[i] = JumpTask.Next(ref freshRandom)));
    fresh = freshSet;
}

Stage.RunAll(console, [.. generate]);

var trainer = new Training(training, validation);
long trainingStarted = Stopwatch.GetTimestamp();
Stage.RunAll(console, trainer.Stages());
TimeSpan trainingWallTime = Stopwatch.GetElapsedTime(trainingStarted);
console.WriteLine();
console.Write(Report.TrainingTime(trainer, trainingWallTime));
console.WriteLine();

// The trained weights go through a file and into a new instance, so that what is reported below is what was saved.
string trainedPath = Path.Combine(AppContext.BaseDirectory, TrainedWeightsFile);
var reloaded = new JumpDetector();
bool roundTrip;
try
{
    using (FileStream stream = File.Create(trainedPath))
    {
        trainer.Model.SaveSafetensors(stream);
    }

    using (FileStream stream = File.OpenRead(trainedPath))
    {
        reloaded.LoadSafetensors(stream);
    }

    roundTrip = MemoryMarshal.AsBytes(reloaded.Parameters).SequenceEqual(MemoryMarshal.AsBytes(trainer.Model.Parameters));
    console.Write(Report.Saved(Report.DisplayPath(trainedPath), new FileInfo(trainedPath).Length, roundTrip));
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    console.MarkupLineInterpolated($"[red]error:[/] saving or reloading the trained weights: {e.Message}");
    roundTrip = false;
}

double trainedValidation = Training.Accuracy(reloaded, validation);
double trainedFresh = Training.Accuracy(reloaded, fresh);
double? pyTorchValidation = reference is null ? null : Training.Accuracy(pyTorchModel, validation);
console.WriteLine();
console.Write(Report.TrainedAccuracy(
    fresh.Length,
    ("PyTorch (part 1)", WeightsFile, pyTorchValidation, pyTorchFreshAccuracy),
    ("C# (above; reloaded)", TrainedWeightsFile, trainedValidation, trainedFresh)));
console.WriteLine();

bool trainedPassed = roundTrip && trainedValidation >= Training.AccuracyFloor;
if (trainedPassed)
{
    console.MarkupLineInterpolated($"[green bold]OK:[/] trained in C# from scratch, the JumpDetector is right on {trainedValidation * 100:F1}% of the validation sequences (floor {Training.AccuracyFloor * 100:0.#}%).");
}
else
{
    console.MarkupLineInterpolated($"[red bold]FAILED:[/] the C#-trained JumpDetector {(roundTrip ? $"reaches {trainedValidation * 100:F1}% on the validation sequences, below the floor of {Training.AccuracyFloor * 100:0.#}%" : "does not come back identical from its safetensors file")}.");
    exitCode = exitCode == 0 ? ExitFailed : exitCode;
}

return exitCode;
