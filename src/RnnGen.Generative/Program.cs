using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Reflection;
using RnnGen.Generative;

// dotnet run -c Release --project src/RnnGen.Generative -- [text|melody] [steps]
// text: CharWriter learns the repository's documentation; melody: MelodyWriter learns synthetic pentatonic melodies;
// no argument: both, with fewer steps. docs/generative.md describes both and their measured figures.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (Assembly.GetExecutingAssembly().GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true)
{
    Console.WriteLine("Note: a Debug build trains about 6 times slower; run with -c Release.");
}

string? mode = args.Length > 0 ? args[0] : null;
int? steps = null;
if (args.Length > 1)
{
    if (!int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out int parsed) || parsed < 1)
    {
        return Usage($"steps must be a positive integer, not '{args[1]}'");
    }

    steps = parsed;
}

try
{
    switch (mode)
    {
        case "text":
            TextDemo.Run(steps ?? TextDemo.DefaultSteps, Corpus.Load());
            return 0;
        case "melody":
            MelodyDemo.Run(steps ?? MelodyDemo.DefaultSteps);
            return 0;
        case null:
            TextDemo.Run(TextDemo.DefaultSteps / 2, Corpus.Load());
            Console.WriteLine();
            MelodyDemo.Run(MelodyDemo.DefaultSteps / 2);
            return 0;
        default:
            return Usage($"unknown mode '{mode}'");
    }
}
catch (FileNotFoundException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

static int Usage(string problem)
{
    Console.Error.WriteLine($"{problem}. Usage: RnnGen.Generative [text|melody] [steps]");
    return 1;
}
