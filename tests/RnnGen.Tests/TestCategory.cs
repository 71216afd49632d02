namespace RnnGen.Tests;

/// <summary>
/// xunit trait values that select groups of tests from the command line
/// (<c>dotnet test --filter Category=Numeric</c>).
/// </summary>
public static class TestCategory
{
    public const string Name = "Category";

    /// <summary>
    /// Tests whose verdict depends on the arithmetic of the generated hot code or of the runtime's vector
    /// kernels: PyTorch parity, gradients (autograd fixtures and finite differences), packed sequences,
    /// carried states, losses, optimizers, activations. tests/RnnGen.Tests/Isa runs them again on every
    /// instruction-set path. Convergence runs (minutes of training with loose statistical bounds) are not here.
    /// </summary>
    public const string Numeric = "Numeric";
}
