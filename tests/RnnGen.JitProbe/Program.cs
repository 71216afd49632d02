using System;
using System.Reflection;
using System.Runtime.Intrinsics;

namespace RnnGen.JitProbe;

/// <summary>
/// Finds every generated model of this assembly, calls <c>Predict</c> (and <c>Step</c> and
/// <c>AccumulateGradients</c> where the class has them) once, then has the JIT compile every other method
/// of the generated types, and lists them: <c>accelerated ...</c> (the <c>IsHardwareAccelerated</c> the
/// dispatchers see), <c>model &lt;type&gt;</c>, <c>called &lt;type&gt;:&lt;name&gt;</c>,
/// <c>method &lt;type&gt;:&lt;name&gt;</c> (one line per overload, ending in <c>aggressive</c> for
/// <c>MethodImplOptions.AggressiveOptimization</c>) and <c>skipped &lt;type&gt;:&lt;name&gt;</c> for methods
/// that cannot be compiled on their own (open generics).
/// Run it with <c>DOTNET_JitStdOutFile</c> and <c>DOTNET_JitDisasmSummary=1</c> to see how each was compiled.
/// </summary>
internal static class Program
{
    private static int Main()
    {
        Type[] models = GeneratedTypes.Models(typeof(Program).Assembly);
        if (models.Length == 0)
        {
            Console.Error.WriteLine("No generated model in the probe: did the generator run?");
            return 1;
        }

        // Which instruction-set methods the generated dispatchers call in this process.
        Console.WriteLine($"accelerated Vector512={Vector512.IsHardwareAccelerated} Vector256={Vector256.IsHardwareAccelerated} Vector128={Vector128.IsHardwareAccelerated}");

        int failures = 0;
        foreach (Type model in models)
        {
            Console.WriteLine($"model {model.FullName}");
            failures += Exercise.Run(model);
        }

        foreach (MethodBase method in GeneratedTypes.Methods(typeof(Program).Assembly, models))
        {
            string name = $"{method.DeclaringType!.FullName}:{method.Name}";
            if (Compile.Prepare(method))
            {
                bool hot = (method.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) != 0;
                Console.WriteLine(hot ? $"method {name} aggressive" : $"method {name}");
            }
            else
            {
                Console.WriteLine($"skipped {name}");
            }
        }

        return failures == 0 ? 0 : 1;
    }
}
