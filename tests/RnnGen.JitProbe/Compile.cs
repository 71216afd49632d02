using System.Reflection;
using System.Runtime.CompilerServices;

namespace RnnGen.JitProbe;

/// <summary>Has the JIT compile a method without calling it.</summary>
internal static class Compile
{
    /// <summary>Compiles <paramref name="method"/> now (a no-op if it already ran); false for open generics, which cannot be compiled alone.</summary>
    public static bool Prepare(MethodBase method)
    {
        if (method.ContainsGenericParameters)
        {
            return false;
        }

        RuntimeHelpers.PrepareMethod(method.MethodHandle);
        return true;
    }
}
