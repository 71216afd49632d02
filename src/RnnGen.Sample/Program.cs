using System;
using System.Globalization;
using System.IO;
using RnnGen;
using RnnGen.Sample;
using RnnGen.Samples;

// JumpDetector is generated at build time from specs/jump_detector.rnn.yaml: an LSTM(32) over 30
// frames of 16 features with a sigmoid head. Its weights are the seed-0 initialization, not trained
// ones, so the probabilities below show the API at work, not a verdict on any jump.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var model = new JumpDetector();
const int T = JumpDetector.SequenceLength;
const int F = JumpDetector.InputSize;

Console.WriteLine($"JumpDetector: {T} steps x {F} features -> {JumpDetector.OutputLength} x {JumpDetector.OutputSize}, {JumpDetector.ParameterCount} parameters");
Console.WriteLine();
Console.WriteLine("Parameter layout (PyTorch state_dict names and shapes):");
foreach (ParameterInfo p in JumpDetector.ParameterLayout)
{
    string shape = $"[{string.Join(", ", p.Shape)}]";
    Console.WriteLine($"  {p.Name,-22} {shape,-10} offset {p.Offset,5}, {p.Length,5} values");
}

(string Name, float[] Input)[] sequences =
[
    ("flat (nothing moves)", SyntheticSequences.Flat(T, F)),
    ("drift (slow walk)", SyntheticSequences.Drift(T, F)),
    ("jump in frames 10..19", SyntheticSequences.Jump(T, F, start: 10, length: 10, height: 1.5f)),
    ("jump in frames 20..29", SyntheticSequences.Jump(T, F, start: 20, length: 10, height: 1.5f)),
];

Console.WriteLine();
Console.WriteLine("Predict, and the same sequence fed frame by frame through Step:");
Span<float> predicted = stackalloc float[JumpDetector.OutputLength * JumpDetector.OutputSize];
Span<float> stepped = stackalloc float[JumpDetector.OutputSize];
float[] probabilities = new float[sequences.Length];
for (int i = 0; i < sequences.Length; i++)
{
    float[] x = sequences[i].Input;
    model.Predict(x, predicted);
    probabilities[i] = predicted[0];

    // Step writes the head's output as if the sequence ended at this frame; after the last frame it is Predict's.
    JumpDetector.State state = default;
    for (int t = 0; t < T; t++)
    {
        model.Step(ref state, x.AsSpan(t * F, F), stepped);
    }

    Console.WriteLine($"  {sequences[i].Name,-22} P(jump) = {predicted[0]:F6}   Step after {T} frames = {stepped[0]:F6}   |difference| = {MathF.Abs(predicted[0] - stepped[0]):G3}");
}

Console.WriteLine();
Console.WriteLine("Weights through safetensors (in memory):");
using var file = new MemoryStream();
model.SaveSafetensors(file);
Console.WriteLine($"  saved {file.Length} bytes");

var other = new JumpDetector(seed: 7);
float[] jump = sequences[2].Input;
other.Predict(jump, predicted);
Console.WriteLine($"  a model with seed 7:        P(jump) = {predicted[0]:F6}");

file.Position = 0;
other.LoadSafetensors(file);
other.Predict(jump, predicted);
Console.WriteLine($"  after loading seed 0's file: P(jump) = {predicted[0]:F6} (seed 0 gave {probabilities[2]:F6}: {(predicted[0] == probabilities[2] ? "identical" : "DIFFERENT")})");
return predicted[0] == probabilities[2] ? 0 : 1;
