namespace RnnGen.Generators.Emit;

/// <summary>Fully qualified names of the runtime library and attributes the emitted code uses.</summary>
internal static class EmitHelpers
{
    public const string AggressiveOptimization =
        "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    public const string Dot = "global::RnnGen.Kernels.Dot";

    public const string Sigmoid = "global::RnnGen.Activations.Sigmoid";

    public const string Tanh = "global::RnnGen.Activations.Tanh";

    public const string Softmax = "global::RnnGen.Activations.Softmax";

    public const string AddScaled = "global::RnnGen.Kernels.AddScaled";

    public const string ArgumentException = "global::System.ArgumentException";

    public static string GeneratedCode(string version) =>
        $"[global::System.CodeDom.Compiler.GeneratedCode(\"RnnGen\", \"{version}\")]";
}
