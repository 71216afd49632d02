using System;
using System.Globalization;
using RnnGen.Seq2Seq;

// Sequence to sequence, trained in C#: DateRewriter is generated at build time from Specs/DateRewriter.rnn.yaml
// (an encoder-decoder: a bidirectional GRU reads a date written in one of eight styles, a GRU writes it in
// ISO 8601). It trains from scratch with teacher forcing (DateTraining.cs), then decodes held-out dates greedily
// and counts the exact matches. Exit code 0 when at least 95% of them come out right within the time budget
// (90 s unless given in seconds as the first argument), 1 otherwise.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
const double Floor = 0.95;
TimeSpan budget = TimeSpan.FromSeconds(args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 90);

Console.WriteLine($"DateRewriter: {DateRewriter.ParameterCount} parameters; the encoder reads up to {DateRewriter.SequenceLength} characters, the decoder writes {DateRewriter.OutputLength} tokens.");
Console.WriteLine($"Training until {DateTraining.ValidationTarget:P0} of {DateTraining.ValidationCount} validation dates come out right (at most {DateTraining.MaxPairs} pairs or {budget.TotalSeconds:F0} s).");
DateTrainingResult result = DateTraining.Train(budget, Console.WriteLine);

Console.WriteLine();
var decoded = new int[DateRewriter.OutputLength];
foreach (var (input, length, text, expected) in DateTraining.Draw(DateTraining.HeldOutSeed, 6))
{
    int count = result.Model.Decode(input, decoded, length);
    string answer = Dates.Text(decoded.AsSpan(0, count));
    Console.WriteLine($"  {text,-20} -> {answer,-10}  {(answer == expected ? "right" : $"wrong, expected {expected}")}");
}

Console.WriteLine();
bool passed = result.HeldOutAccuracy >= Floor;
string how = result.StoppedEarly ? "reached the validation target" : $"stopped on its budget, validation at {result.ValidationAccuracy:P1}";
Console.WriteLine(passed
    ? $"OK: trained in C# in {result.Elapsed.TotalSeconds:F0} s ({result.Pairs} pairs, {how}): {result.HeldOutAccuracy:P1} of {DateTraining.HeldOutCount} held-out dates rewritten exactly (floor {Floor:P0})."
    : $"FAILED: {result.HeldOutAccuracy:P1} of {DateTraining.HeldOutCount} held-out dates rewritten exactly after {result.Elapsed.TotalSeconds:F0} s ({result.Pairs} pairs, {how}; floor {Floor:P0}).");
return passed ? 0 : 1;
