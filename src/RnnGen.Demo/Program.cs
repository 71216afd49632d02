using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using RnnGen;
using RnnGen.Demo;
using RnnGen.Samples;
using Spectre.Console;

// Does the dog jump? JumpDetector is generated at build time from specs/jump_detector.rnn.yaml (an LSTM(32)
// over 30 frames of 16 features, sigmoid head); its weights were trained in PyTorch by src/python/train_jump.py.
// The demo classifies fresh sequences of the jump task (docs/jump_task.md) that training never saw, and checks
// the C# answers against PyTorch's. Exit code: 0 when they agree, 1 when they do not, 2 when a file is missing.
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

console.Write(new Rule("[bold]Does the dog jump?[/]").LeftJustified());
console.MarkupLine($"[grey]JumpDetector, generated from specs/jump_detector.rnn.yaml: an LSTM over {JumpDetector.SequenceLength} frames x {JumpDetector.InputSize} features (8 keypoints: height, horizontal velocity), sigmoid head, {JumpDetector.ParameterCount} parameters[/]");

string weightsPath = Path.Combine(AppContext.BaseDirectory, WeightsFile);
string referencePath = Path.Combine(AppContext.BaseDirectory, PyTorchReference.FileName);
var model = new JumpDetector();
PyTorchReference reference;
try
{
    using (FileStream stream = File.OpenRead(weightsPath))
    {
        model.LoadSafetensors(stream);
    }

    reference = PyTorchReference.Load(referencePath);
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
    console.MarkupLine("The trained weights come from PyTorch: run [bold]/usr/bin/python3 src/python/train_jump.py[/] and build again (docs/demo.md).");
    return 2;
}

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
        model.Predict(samples[i].Frames, output);
        ticks[i] = Stopwatch.GetTimestamp() - started;
        probabilities[i] = output[0];
    }));

var confusion = ConfusionMatrix.Of(samples, probabilities);
Timing timing = Timing.Measure(model, samples, ticks);
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
if (!comparison.Passed)
{
    console.MarkupLine("[red bold]FAILED:[/] the C# JumpDetector does not reproduce PyTorch's results.");
    return 1;
}

console.MarkupLine("[green bold]OK:[/] the C# JumpDetector reproduces PyTorch's results.");
return 0;
