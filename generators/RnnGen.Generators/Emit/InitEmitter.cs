using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>Emits the seeded initialization the constructors run (DESIGN.md, "Initialization").</summary>
internal static class InitEmitter
{
    public static void EmitInitialize(SourceWriter w, ModelPlan plan)
    {
        w.Summary(
            "<c>init: pytorch</c>: the tensors of a layer of hidden size H from U(-1/sqrt(H), 1/sqrt(H)), the head as",
            "<c>nn.Linear</c> from U(-1/sqrt(F), 1/sqrt(F)); PyTorch's distributions, drawn in ParameterLayout order",
            "from one <see cref=\"global::RnnGen.InitRandom\"/> (docs/initialization.md), so a seed always gives the same model.");
        w.Line("private void Initialize(int seed)");
        using (w.Block())
        {
            w.Line("var random = new global::RnnGen.InitRandom(seed);");
            w.Line($"global::System.Span<{plan.T}> p = _parameters;");
            foreach (TensorPlan tensor in plan.Tensors)
            {
                w.Line($"global::RnnGen.ParameterInit.Uniform(p.Slice({tensor.OffsetName}, {tensor.Length}), {Literals.Real(tensor.InitBound, Precision.Float64)}, ref random); // {tensor.Name} {tensor.ShapeText}");
            }
        }
    }
}
