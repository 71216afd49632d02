using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>Emits the output head: <c>nn.Linear</c> followed by the spec's activation.</summary>
internal static class HeadEmitter
{
    public static void EmitHead(SourceWriter w, ModelPlan plan)
    {
        if (plan.HeadWeight is not { } weight || plan.HeadBias is not { } bias)
        {
            return;
        }

        string t = plan.T;
        int features = plan.FeatureWidth;
        int size = plan.OutputSize;
        HeadKind head = plan.Spec.Output.Head;
        string activation = head switch
        {
            HeadKind.Sigmoid => "<code>y = sigmoid(W x + b)</code>, element by element (probabilities).",
            HeadKind.Softmax => "<code>y = softmax(W x + b)</code> over the output (probabilities summing to 1).",
            _ => "<code>y = W x + b</code>.",
        };

        w.Summary(
            $"The {HeadName(head)} head: W = head.weight {weight.ShapeText}, b = head.bias {bias.ShapeText}, x [{features}], y [{size}]:",
            activation);
        w.Line(EmitHelpers.AggressiveOptimization);
        w.Line($"private void Head(global::System.ReadOnlySpan<{t}> x, global::System.Span<{t}> y)");
        using (w.Block())
        {
            w.Line($"global::System.ReadOnlySpan<{t}> p = _parameters;");
            using (w.Block($"for (int row = 0; row < {size}; row++)", string.Empty))
            {
                w.Line($"y[row] = p[HeadBias + row] + {EmitHelpers.Dot}(p.Slice(HeadWeight + (row * {features}), {features}), x);");
            }

            switch (head)
            {
                case HeadKind.Sigmoid:
                    w.Line();
                    using (w.Block($"for (int row = 0; row < {size}; row++)", string.Empty))
                    {
                        w.Line($"y[row] = {EmitHelpers.Sigmoid}(y[row]);");
                    }

                    break;
                case HeadKind.Softmax:
                    w.Line();
                    w.Line($"{EmitHelpers.Softmax}(y);");
                    break;
            }
        }
    }

    public static string HeadName(HeadKind head) => head switch
    {
        HeadKind.Linear => "linear",
        HeadKind.Sigmoid => "sigmoid",
        HeadKind.Softmax => "softmax",
        _ => "none",
    };
}
