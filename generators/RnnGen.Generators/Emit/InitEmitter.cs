using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>Emits the seeded initialization the constructors run (DESIGN.md, "Initialization").</summary>
internal static class InitEmitter
{
    public static void EmitInitialize(SourceWriter w, ModelPlan plan)
    {
        w.Summary(plan.Spec.Init == InitKind.Orthogonal
            ? new[]
            {
                "<c>init: orthogonal</c>: each gate block of W_hh (and W_hr) orthogonal, W_ih Xavier-uniform, biases and peepholes zero;",
                "the embedding from N(0, 1) and the head as <c>nn.Linear</c>. Drawn in ParameterLayout order from one",
                "<see cref=\"global::RnnGen.InitRandom\"/> (docs/initialization.md), so a seed always gives the same model.",
            }
            : new[]
            {
                "<c>init: pytorch</c>: the tensors of a layer of hidden size H from U(-1/sqrt(H), 1/sqrt(H)),"
                    + (plan.IsTokens ? " the embedding from N(0, 1)," : string.Empty),
                "the head as <c>nn.Linear</c> from U(-1/sqrt(F), 1/sqrt(F)): PyTorch's distributions, drawn in ParameterLayout",
                "order from one <see cref=\"global::RnnGen.InitRandom\"/> (docs/initialization.md), so a seed always gives the same model.",
            });
        w.Line("private void Initialize(int seed)");
        using (w.Block())
        {
            w.Line("var random = new global::RnnGen.InitRandom(seed);");
            w.Line($"global::System.Span<{plan.T}> p = _parameters;");
            foreach (TensorPlan tensor in plan.Tensors)
            {
                EmitTensor(w, tensor);
            }

            if (plan.Spec.Input.Padding is { } padding)
            {
                w.Line();
                w.Line($"// padding: the embedding of token {padding} starts at zeros (PyTorch padding_idx) and never learns");
                w.Line($"p.Slice(EmbeddingWeight + {padding * plan.Spec.Input.Embedding}, {plan.Spec.Input.Embedding}).Clear();");
            }

            foreach (LayerPlan layer in plan.Layers)
            {
                if (layer.Spec.ForgetBias is not { } forgetBias)
                {
                    continue;
                }

                w.Line();
                w.Line($"// forget_bias: the forget gate's slice [{layer.Hidden}, {2 * layer.Hidden}) of bias_ih is {Literals.Plain(forgetBias)}, of bias_hh 0 (spec line {layer.Spec.Line})");
                foreach (DirectionPlan direction in layer.Directions)
                {
                    w.Line($"p.Slice({direction.BiasIh!.OffsetName} + {layer.Hidden}, {layer.Hidden}).Fill({Literals.Real(forgetBias, plan.Spec.Precision)});");
                    w.Line($"p.Slice({direction.BiasHh!.OffsetName} + {layer.Hidden}, {layer.Hidden}).Clear();");
                }
            }
        }
    }

    internal static void EmitTensor(SourceWriter w, TensorPlan tensor)
    {
        string slice = $"p.Slice({tensor.OffsetName}, {tensor.Length})";
        string comment = $" // {tensor.Name} {tensor.ShapeText}";
        switch (tensor.Init.Kind)
        {
            case TensorInitKind.Uniform:
                w.Line($"global::RnnGen.ParameterInit.Uniform({slice}, {Literals.Real(tensor.Init.Bound, Precision.Float64)}, ref random);{comment}");
                break;
            case TensorInitKind.Normal:
                w.Line($"global::RnnGen.ParameterInit.Normal({slice}, ref random);{comment}");
                break;
            case TensorInitKind.Zero:
                w.Line($"{slice}.Clear();{comment}");
                break;
            default:
                int rows = tensor.Init.BlockRows;
                int cols = tensor.Shape[1];
                int blocks = tensor.Shape[0] / rows;
                int blockLength = rows * cols;
                w.Line($"// {tensor.Name} {tensor.ShapeText}: {blocks} orthogonal block{(blocks == 1 ? string.Empty : "s")} of [{rows}, {cols}]");
                using (w.Block($"for (int block = 0; block < {blocks}; block++)", string.Empty))
                {
                    w.Line($"global::RnnGen.ParameterInit.Orthogonal(p.Slice({tensor.OffsetName} + (block * {blockLength}), {blockLength}), {rows}, {cols}, ref random);");
                }

                break;
        }
    }
}
