using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>One parameter tensor: its PyTorch name, the C# constant holding its offset, and how it is initialized.</summary>
internal sealed record TensorPlan(string Name, string OffsetName, int Offset, int[] Shape, double InitBound)
{
    public int Length => Shape.Aggregate(1, (product, dim) => product * dim);

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>The tensors of one direction of one layer, in PyTorch's state_dict order.</summary>
internal sealed record DirectionPlan(
    int Index,
    bool Reverse,
    TensorPlan WeightIh,
    TensorPlan WeightHh,
    TensorPlan BiasIh,
    TensorPlan BiasHh,
    string FoldedBiasName,
    int FoldedBiasOffset)
{
    public IEnumerable<TensorPlan> Tensors => new[] { WeightIh, WeightHh, BiasIh, BiasHh };
}

/// <summary>One spec layer with the widths it reads and writes.</summary>
internal sealed record LayerPlan(int Index, LayerSpec Spec, int InputWidth, IReadOnlyList<DirectionPlan> Directions)
{
    public int Hidden => Spec.Hidden;

    public int Width => Spec.SequenceWidth;

    /// <summary>Rows of the stacked gate pre-activations: 1, 3 or 4 blocks of H.</summary>
    public int GateRows => Spec.Gates * Spec.Hidden;

    /// <summary>
    /// Length of the folded bias of one direction: <c>b_ih + b_hh</c> per gate row; a gru keeps
    /// <c>b_in</c> and <c>b_hn</c> apart (the reset gate multiplies only <c>W_hn h + b_hn</c>), so 4H.
    /// </summary>
    public int FoldedBiasLength => Spec.Cell == CellKind.Gru ? 4 * Spec.Hidden : GateRows;

    /// <summary>Scratch one step needs for gate pre-activations (a gru keeps input and hidden parts apart).</summary>
    public int GateScratch => Spec.Cell == CellKind.Gru ? 2 * GateRows : GateRows;

    public string StepMethod => $"Layer{Index}Step";

    public string RunMethod => $"Layer{Index}Run";
}

/// <summary>
/// Everything the emitters derive from a spec before writing a line: offsets, widths and scratch
/// sizes. Computed once per emission, so every emitter agrees on the numbers.
/// </summary>
internal sealed class ModelPlan
{
    private ModelPlan(ModelSpec spec, string? namespaceName)
    {
        Spec = spec;
        Namespace = namespaceName;
        T = Literals.TypeName(spec.Precision);

        var tensors = new List<TensorPlan>();
        var layers = new List<LayerPlan>();
        int offset = 0;
        int foldedOffset = 0;

        TensorPlan Add(string name, string offsetName, double bound, params int[] shape)
        {
            var tensor = new TensorPlan(name, offsetName, offset, shape, bound);
            tensors.Add(tensor);
            offset = checked(offset + tensor.Length);
            return tensor;
        }

        int inputWidth = spec.Input.Width;
        foreach (LayerSpec layer in spec.Layers)
        {
            int index = layers.Count;
            int rows = layer.Gates * layer.Hidden;
            double bound = Literals.InverseSqrt(layer.Hidden);
            var directions = new List<DirectionPlan>();
            for (int d = 0; d < layer.Directions; d++)
            {
                string suffix = d == 0 ? "_l0" : "_l0_reverse";
                string constPrefix = $"Layer{index}" + (d == 0 ? string.Empty : "Reverse");
                string prefix = $"layers.{index}.";
                var direction = new DirectionPlan(
                    d,
                    d == 1,
                    Add(prefix + "weight_ih" + suffix, constPrefix + "WeightIh", bound, rows, inputWidth),
                    Add(prefix + "weight_hh" + suffix, constPrefix + "WeightHh", bound, rows, layer.Hidden),
                    Add(prefix + "bias_ih" + suffix, constPrefix + "BiasIh", bound, rows),
                    Add(prefix + "bias_hh" + suffix, constPrefix + "BiasHh", bound, rows),
                    constPrefix + "Bias",
                    foldedOffset);
                directions.Add(direction);
                foldedOffset += layer.Cell == CellKind.Gru ? 4 * layer.Hidden : rows;
            }

            layers.Add(new LayerPlan(index, layer, inputWidth, directions));
            inputWidth = layer.SequenceWidth;
        }

        FeatureWidth = inputWidth;
        if (spec.Output.Head != HeadKind.None)
        {
            double bound = Literals.InverseSqrt(FeatureWidth);
            HeadWeight = Add("head.weight", "HeadWeight", bound, spec.Output.Size, FeatureWidth);
            HeadBias = Add("head.bias", "HeadBias", bound, spec.Output.Size);
        }

        Tensors = tensors;
        Layers = layers;
        ParameterCount = offset;
        FoldedBiasLength = foldedOffset;
        OutputSize = spec.Output.Head == HeadKind.None ? FeatureWidth : spec.Output.Size;
        OutputLength = spec.Output.Mode == OutputMode.ManyToMany ? spec.Sequence : 1;

        MaxWidth = layers.Max(l => l.Width);
        MaxHidden = layers.Max(l => l.Hidden);
        MaxGateScratch = layers.Max(l => l.GateScratch);

        // Predict's scratch: two sequence buffers that layers write in turn, a zero state for t = 0,
        // an lstm cell state, gate pre-activations, and the concatenated final states of many-to-one.
        SequenceBufferLength = checked(spec.Sequence * MaxWidth);
        PredictScratchLength = checked((2 * SequenceBufferLength) + (2 * MaxHidden) + MaxGateScratch + FeatureWidth);

        // Step's scratch: gate pre-activations only; the state lives in the caller's State.
        StepScratchLength = MaxGateScratch;
        StateLength = layers.Sum(l => l.Spec.Cell == CellKind.Lstm ? 2 * l.Hidden : l.Hidden);
    }

    public ModelSpec Spec { get; }

    /// <summary>Namespace of the generated class, or null for the global namespace.</summary>
    public string? Namespace { get; }

    /// <summary>The element type keyword: <c>float</c> or <c>double</c>.</summary>
    public string T { get; }

    public string ClassName => Spec.ClassName;

    public IReadOnlyList<TensorPlan> Tensors { get; }

    public IReadOnlyList<LayerPlan> Layers { get; }

    public TensorPlan? HeadWeight { get; }

    public TensorPlan? HeadBias { get; }

    public int ParameterCount { get; }

    public int FoldedBiasLength { get; }

    /// <summary>Width the head reads: the last layer's <c>D * H</c>.</summary>
    public int FeatureWidth { get; }

    public int OutputSize { get; }

    public int OutputLength { get; }

    public int MaxWidth { get; }

    public int MaxHidden { get; }

    public int MaxGateScratch { get; }

    public int SequenceBufferLength { get; }

    public int PredictScratchLength { get; }

    public int StepScratchLength { get; }

    public int StateLength { get; }

    public bool IsUnidirectional => Spec.Layers.All(l => l.Direction == Direction.Forward);

    public LayerPlan LastLayer => Layers[Layers.Count - 1];

    /// <summary>Scratch up to this many bytes lives on the stack (DESIGN.md: a small budget of 16 KiB).</summary>
    public const int StackBudgetBytes = 16 * 1024;

    public bool PredictScratchOnStack => (long)PredictScratchLength * Literals.ElementBytes(Spec.Precision) <= StackBudgetBytes;

    public bool StepScratchOnStack => (long)StepScratchLength * Literals.ElementBytes(Spec.Precision) <= StackBudgetBytes;

    /// <summary>Length of the per-thread buffer, covering whichever of Predict and Step do not fit the stack.</summary>
    public int ThreadScratchLength => Math.Max(PredictScratchOnStack ? 0 : PredictScratchLength, StepScratchOnStack || !IsUnidirectional ? 0 : StepScratchLength);

    public static ModelPlan Create(ModelSpec spec, string? namespaceName) => new(spec, namespaceName);
}
