using System;
using System.Diagnostics;
using System.Globalization;
using RnnGen;
using RnnGen.Seq2Seq;

// Sequence to sequence, trained in C#: DateRewriter is generated at build time from Specs/DateRewriter.rnn.yaml
// (an encoder-decoder: a bidirectional GRU reads a date written in one of eight styles, a GRU writes it in
// ISO 8601). It trains from scratch with teacher forcing, then decodes held-out dates greedily and counts the
// exact matches. Exit code 0 when at least 95% of the held-out dates come out right, 1 otherwise.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
const int BatchSize = 32;
const int HeldOut = 2000;
const double Floor = 0.95;
TimeSpan budget = TimeSpan.FromSeconds(args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 80);

var model = new DateRewriter(seed: 1);
Console.WriteLine($"DateRewriter: {DateRewriter.ParameterCount} parameters, encoder over {DateRewriter.SequenceLength} characters, decoder of {DateRewriter.OutputLength} steps.");

var input = new int[DateRewriter.SequenceLength];
var target = new int[DateRewriter.OutputLength];
var decoded = new int[DateRewriter.OutputLength];

// Held-out dates come from a seed training never uses.
var heldOutRandom = new InitRandom(20261122);
var heldOut = new (int[] Input, int Length, string Text, string Expected)[HeldOut];
for (int i = 0; i < HeldOut; i++)
{
    var x = new int[DateRewriter.SequenceLength];
    string text = Dates.Next(ref heldOutRandom, x, out int length, target);
    heldOut[i] = (x, length, text, Dates.Text(target));
}

double Accuracy()
{
    int right = 0;
    foreach (var (x, length, _, expected) in heldOut)
    {
        int count = model.Decode(x, decoded, length);
        right += Dates.Text(decoded.AsSpan(0, count)) == expected ? 1 : 0;
    }

    return (double)right / HeldOut;
}

var random = new InitRandom(7);
var clock = Stopwatch.StartNew();
double accuracy = 0;
long pairs = 0;
for (int round = 1; clock.Elapsed < budget; round++)
{
    double loss = 0;
    for (int batch = 0; batch < 100; batch++)
    {
        for (int i = 0; i < BatchSize; i++)
        {
            Dates.Next(ref random, input, out int length, target);
            loss += model.AccumulateGradients(input, target, length);
        }

        model.ApplyGradients(BatchSize);
    }

    pairs += 100 * BatchSize;
    accuracy = Accuracy();
    Console.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  {pairs,8} pairs  loss {loss / (100 * BatchSize):F4}  held-out exact match {accuracy:P1}");
    if (accuracy >= 0.99)
    {
        break;
    }
}

Console.WriteLine();
for (int i = 0; i < 5; i++)
{
    var (x, length, text, expected) = heldOut[i];
    int count = model.Decode(x, decoded, length);
    Console.WriteLine($"  {text,-20} -> {Dates.Text(decoded.AsSpan(0, count)),-10}  (expected {expected})");
}

Console.WriteLine();
bool passed = accuracy >= Floor;
Console.WriteLine(passed
    ? $"OK: trained in C# in {clock.Elapsed.TotalSeconds:F0} s, {accuracy:P1} of {HeldOut} held-out dates rewritten exactly (floor {Floor:P0})."
    : $"FAILED: {accuracy:P1} of {HeldOut} held-out dates rewritten exactly after {clock.Elapsed.TotalSeconds:F0} s (floor {Floor:P0}).");
return passed ? 0 : 1;
