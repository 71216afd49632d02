using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>How the constructor fills one tensor (DESIGN.md, "Initialization").</summary>
internal enum TensorInitKind
{
    /// <summary>U(-Bound, Bound).</summary>
    Uniform,

    /// <summary>N(0, 1).</summary>
    Normal,

    /// <summary>Zeros.</summary>
    Zero,

    /// <summary>Each block of <c>Rows</c> rows orthogonal (semi-orthogonal when not square).</summary>
    OrthogonalBlocks,
}

/// <summary>The initialization of one tensor: its distribution, and the bound or block height it needs.</summary>
internal sealed record TensorInit(TensorInitKind Kind, double Bound = 0, int BlockRows = 0)
{
    public static TensorInit Uniform(double bound) => new(TensorInitKind.Uniform, bound);

    public static readonly TensorInit Normal = new(TensorInitKind.Normal);

    public static readonly TensorInit Zero = new(TensorInitKind.Zero);

    public static TensorInit Orthogonal(int blockRows) => new(TensorInitKind.OrthogonalBlocks, BlockRows: blockRows);

    /// <summary>Xavier (Glorot) uniform: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)).</summary>
    public static TensorInit XavierUniform(int fanIn, int fanOut) => Uniform(Math.Sqrt(6.0 / (fanIn + fanOut)));
}

/// <summary>One parameter tensor: its PyTorch name, the C# constant holding its offset, and how it is initialized.</summary>
internal sealed record TensorPlan(string Name, string OffsetName, int Offset, int[] Shape, TensorInit Init)
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
    TensorPlan? BiasIh,
    TensorPlan? BiasHh,
    TensorPlan? WeightHr,
    TensorPlan? Peephole,
    string FoldedBiasName,
    int FoldedBiasOffset,
    PackedPlan PackedIh,
    PackedPlan PackedHh,
    PackedPlan? PackedHr)
{
    public IEnumerable<TensorPlan> Tensors =>
        new[] { WeightIh, WeightHh, BiasIh, BiasHh, WeightHr, Peephole }.Where(t => t is not null).Select(t => t!);
}

/// <summary>
/// A kernel-ordered copy of one weight matrix W [outputs, inputs] in the derived array <c>_packed</c>: W^T cut into
/// panels of <see cref="ModelPlan.PanelWidth"/> outputs, each panel [inputs, panel width] row-major
/// (<c>global::RnnGen.Kernels.PackTransposed</c>), so a product reads every panel front to back.
/// </summary>
internal sealed record PackedPlan(string OffsetName, int Offset, TensorPlan Source, int Outputs, int Inputs)
{
    public int Length => Outputs * Inputs;
}

/// <summary>One spec layer with the widths it reads and writes.</summary>
internal sealed record LayerPlan(int Index, LayerSpec Spec, int InputWidth, IReadOnlyList<DirectionPlan> Directions, int KernelIndex)
{
    /// <summary>
    /// What makes two layers' step methods identical text (the cell, its options and its widths; a layer reading
    /// features has no input gradient): layers with equal keys share the step methods of the first of them,
    /// which keeps deep stacks of equal layers small.
    /// </summary>
    public static string KernelKey(LayerSpec spec, int inputWidth, bool inputGradient) =>
        $"{spec.Cell}|{spec.Hidden}|{inputWidth}|{spec.Projection}|{spec.Bias}|{spec.Activation}|{spec.Peepholes}|{spec.CellClip?.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}|{spec.Reset}|{inputGradient}";

    /// <summary>True for the layer whose step methods are emitted; the others with its key call them.</summary>
    public bool OwnsKernels => KernelIndex == Index;

    /// <summary>H: width of the gates and of an lstm's cell state.</summary>
    public int Hidden => Spec.Hidden;

    /// <summary>Width of h, the state a step emits and reads back: P when projecting, else H.</summary>
    public int StateWidth => Spec.OutputWidth;

    /// <summary>Width of this layer's output at one step: D * (P or H).</summary>
    public int Width => Spec.SequenceWidth;

    public bool IsLstm => Spec.Cell == CellKind.Lstm;

    public bool HasBias => Spec.Bias;

    public bool HasProjection => Spec.Projection > 0;

    /// <summary>Rows of the stacked gate pre-activations: 1, 3 or 4 blocks of H.</summary>
    public int GateRows => Spec.Gates * Spec.Hidden;

    /// <summary>
    /// Length of the folded bias of one direction: <c>b_ih + b_hh</c> per gate row; a gru keeps
    /// <c>b_in</c> and <c>b_hn</c> apart (the reset gate multiplies only the hidden part), so 4H.
    /// </summary>
    public int FoldedBiasLength => !Spec.Bias ? 0 : Spec.Cell == CellKind.Gru ? 4 * Spec.Hidden : GateRows;

    /// <summary>
    /// Scratch one step needs, which also holds what its gradient needs afterwards: the gates (an
    /// lstm's i, f, g, o; a gru's r, z, n and the hidden part of n, 6H), plus for an lstm
    /// <c>o*tanh(c)</c> before a projection and the cell state before a clip.
    /// </summary>
    public int GateScratch => Spec.Cell switch
    {
        CellKind.Gru => 2 * GateRows,
        CellKind.Lstm => GateRows + (HasProjection ? Spec.Hidden : 0) + (Spec.CellClip is null ? 0 : Spec.Hidden),
        _ => GateRows,
    };

    /// <summary>Where an lstm step keeps <c>m = o*tanh(c)</c> before projecting it.</summary>
    public int ProjectionInputOffset => GateRows;

    /// <summary>Where an lstm step with cell_clip keeps the cell state before clamping (its gradient needs it).</summary>
    public int RawCellOffset => GateRows + (HasProjection ? Spec.Hidden : 0);

    /// <summary>Values of this layer in a Step state: h, and an lstm's c.</summary>
    public int StateValues => IsLstm ? StateWidth + Hidden : StateWidth;

    public string StepMethod => $"Layer{KernelIndex}Step";

    public string RunMethod => $"Layer{Index}Run";
}

/// <summary>
/// Everything the emitters derive from a spec before writing a line: offsets, widths and scratch
/// sizes. Computed once per emission, so every emitter agrees on the numbers.
/// </summary>
internal sealed class ModelPlan
{
    /// <summary>Scratch up to this many bytes lives on the stack (DESIGN.md: a small budget of 16 KiB).</summary>
    public const int StackBudgetBytes = 16 * 1024;

    /// <param name="parameterBase">
    /// Where this model's tensors start in the parameter array: 0 for a model, the stack's place in its encoder-decoder
    /// model's array for a stack (which shares that array, so every offset constant is absolute).
    /// </param>
    /// <param name="namePrefix">Prefix of the tensor names: "" for a model, "encoder." or "decoder." for a stack (the head keeps "head.").</param>
    private ModelPlan(ModelSpec spec, string? namespaceName, IReadOnlyList<Isa> isas, int parameterBase = 0, string namePrefix = "", bool groups = true)
    {
        _groups = groups;
        Spec = spec;
        Isas = isas;
        Namespace = namespaceName;
        T = Literals.TypeName(spec.Precision);
        ParameterBase = parameterBase;

        var tensors = new List<TensorPlan>();
        var layers = new List<LayerPlan>();
        int offset = parameterBase;
        int foldedOffset = 0;
        int packedOffset = 0;
        bool orthogonal = spec.Init == InitKind.Orthogonal;

        TensorPlan Add(string name, string offsetName, TensorInit init, params int[] shape)
        {
            var tensor = new TensorPlan(name, offsetName, offset, shape, init);
            tensors.Add(tensor);
            offset = checked(offset + tensor.Length);
            return tensor;
        }

        if (spec.Input.IsTokens)
        {
            Embedding = Add(namePrefix + "embedding.weight", "EmbeddingWeight", TensorInit.Normal, spec.Input.Vocab, spec.Input.Embedding);
        }

        int inputWidth = spec.Input.Width;
        foreach (LayerSpec layer in spec.Layers)
        {
            int index = layers.Count;
            int rows = layer.Gates * layer.Hidden;
            int stateWidth = layer.OutputWidth;
            TensorInit pytorch = TensorInit.Uniform(Literals.InverseSqrt(layer.Hidden));
            var directions = new List<DirectionPlan>();
            for (int d = 0; d < layer.Directions; d++)
            {
                string suffix = d == 0 ? "_l0" : "_l0_reverse";
                string constPrefix = $"Layer{index}" + (d == 0 ? string.Empty : "Reverse");
                string prefix = $"{namePrefix}layers.{index}.";
                TensorPlan weightIh = Add(prefix + "weight_ih" + suffix, constPrefix + "WeightIh", orthogonal ? TensorInit.XavierUniform(inputWidth, rows) : pytorch, rows, inputWidth);
                TensorPlan weightHh = Add(prefix + "weight_hh" + suffix, constPrefix + "WeightHh", orthogonal ? TensorInit.Orthogonal(layer.Hidden) : pytorch, rows, stateWidth);
                TensorPlan? biasIh = null, biasHh = null, weightHr = null, peephole = null;
                if (layer.Bias)
                {
                    biasIh = Add(prefix + "bias_ih" + suffix, constPrefix + "BiasIh", orthogonal ? TensorInit.Zero : pytorch, rows);
                    biasHh = Add(prefix + "bias_hh" + suffix, constPrefix + "BiasHh", orthogonal ? TensorInit.Zero : pytorch, rows);
                }

                if (layer.Projection > 0)
                {
                    weightHr = Add(prefix + "weight_hr" + suffix, constPrefix + "WeightHr", orthogonal ? TensorInit.Orthogonal(layer.Projection) : pytorch, layer.Projection, layer.Hidden);
                }

                if (layer.Peepholes)
                {
                    peephole = Add(prefix + "weight_peephole" + suffix, constPrefix + "Peephole", orthogonal ? TensorInit.Zero : pytorch, 3, layer.Hidden);
                }

                PackedPlan Pack(TensorPlan source, string name)
                {
                    // each matrix starts on a 64-byte boundary of the aligned buffer, as its panels' rows then do
                    int lanes = 64 / Literals.ElementBytes(spec.Precision);
                    packedOffset = (packedOffset + lanes - 1) / lanes * lanes;
                    var packed = new PackedPlan(constPrefix + name, packedOffset, source, source.Shape[0], source.Shape[1]);
                    packedOffset = checked(packedOffset + packed.Length);
                    return packed;
                }

                PackedPlan packedIh = Pack(weightIh, "PackedIh");
                PackedPlan packedHh = Pack(weightHh, "PackedHh");
                PackedPlan? packedHr = weightHr is null ? null : Pack(weightHr, "PackedHr");
                directions.Add(new DirectionPlan(d, d == 1, weightIh, weightHh, biasIh, biasHh, weightHr, peephole, constPrefix + "Bias", foldedOffset, packedIh, packedHh, packedHr));
                foldedOffset += !layer.Bias ? 0 : layer.Cell == CellKind.Gru ? 4 * layer.Hidden : rows;
            }

            string key = LayerPlan.KernelKey(layer, inputWidth, index > 0 || spec.Input.IsTokens);
            int kernelIndex = layers.FirstOrDefault(l => LayerPlan.KernelKey(l.Spec, l.InputWidth, l.Index > 0 || spec.Input.IsTokens) == key)?.Index ?? index;
            layers.Add(new LayerPlan(index, layer, inputWidth, directions, kernelIndex));
            inputWidth = layer.SequenceWidth;
        }

        FeatureWidth = inputWidth;
        if (spec.Output.Head != HeadKind.None)
        {
            TensorInit linear = TensorInit.Uniform(Literals.InverseSqrt(FeatureWidth));
            HeadWeight = Add("head.weight", "HeadWeight", linear, spec.Output.Size, FeatureWidth);
            HeadBias = Add("head.bias", "HeadBias", linear, spec.Output.Size);
        }

        Tensors = tensors;
        Layers = layers;
        ParameterCount = offset - parameterBase;
        FoldedBiasLength = foldedOffset;
        PackedLength = packedOffset;
        PanelWidth = Literals.ElementBytes(spec.Precision) == 4 ? 128 : 64;
        OutputSize = spec.Output.Head == HeadKind.None ? FeatureWidth : spec.Output.Size;
        // One-to-many trains as many-to-many over its window; OutputLength here is the window's.
        OutputLength = spec.Output.Mode is OutputMode.ManyToMany or OutputMode.OneToMany ? spec.Sequence : 1;

        MaxWidth = layers.Max(l => l.Width);
        MaxHidden = layers.Max(l => l.Hidden);
        MaxGateScratch = layers.Max(l => l.GateScratch);
        WorkLength = (2 * MaxHidden) + (spec.Sequence * MaxGateScratch);

        // Predict's scratch: two sequence buffers that layers write in turn, the work area of a layer
        // (a zero state for t = 0, an lstm cell state, every step's gate pre-activations, filled with
        // the input product of all steps before the recurrence starts) and the final states a
        // many-to-one head reads.
        SequenceBufferLength = checked(spec.Sequence * MaxWidth);
        PredictScratchLength = checked((2 * SequenceBufferLength) + WorkLength + (spec.Output.Mode == OutputMode.ManyToOne ? FeatureWidth : 0));

        // PredictBatch's group scratch (CellEmitter.GroupSize sequences in lockstep): two sequence buffers per
        // sequence, a layer's group work area (one step's inputs gathered, two h buffers that steps write in
        // turn, the cell states, every iteration's gates) and the final states a many-to-one head reads.
        int group = CellEmitter.GroupSize;
        GroupWorkLength = checked((group * layers.Max(l => l.InputWidth)) + (2 * group * layers.Max(l => l.StateWidth)) + (group * MaxHidden) + (spec.Sequence * group * MaxGateScratch));
        PredictGroupScratchLength = checked((2 * group * SequenceBufferLength) + GroupWorkLength + (spec.Output.Mode == OutputMode.ManyToOne ? group * FeatureWidth : 0));

        // Step's scratch: gate pre-activations only; the state lives in the caller's State.
        StepScratchLength = MaxGateScratch;
        StateLength = layers.Sum(l => l.StateValues);
        HiddenStateSize = layers.Sum(l => l.Directions.Count * l.StateWidth);
        CellStateSize = layers.Where(l => l.IsLstm).Sum(l => l.Directions.Count * l.Hidden);
    }

    /// <summary>Length of h0 and hn: every layer's [D, P or H], layer after layer (PyTorch's h_n of each layer).</summary>
    public int HiddenStateSize { get; }

    /// <summary>Length of c0 and cn: every lstm layer's [D, H], layer after layer; 0 without lstm layers.</summary>
    public int CellStateSize { get; }

    /// <summary>Where layer <paramref name="layer"/>'s [D, S] block starts in h0 and hn.</summary>
    public int HiddenStateOffset(LayerPlan layer) => Layers.Take(layer.Index).Sum(l => l.Directions.Count * l.StateWidth);

    /// <summary>Where lstm layer <paramref name="layer"/>'s [D, H] block starts in c0 and cn.</summary>
    public int CellStateOffset(LayerPlan layer) => Layers.Take(layer.Index).Where(l => l.IsLstm).Sum(l => l.Directions.Count * l.Hidden);

    /// <summary>The slice of a full state span that belongs to one layer, or the empty span when the caller gave none.</summary>
    public string HiddenSlice(string span, LayerPlan layer) =>
        $"({span}.IsEmpty ? {span} : {span}.Slice({HiddenStateOffset(layer)}, {layer.Directions.Count * layer.StateWidth}))";

    public string CellSlice(string span, LayerPlan layer) => layer.IsLstm
        ? $"({span}.IsEmpty ? {span} : {span}.Slice({CellStateOffset(layer)}, {layer.Directions.Count * layer.Hidden}))"
        : "default";

    public ModelSpec Spec { get; }

    /// <summary>Namespace of the generated class, or null for the global namespace.</summary>
    public string? Namespace { get; }

    /// <summary>The element type keyword: <c>float</c> or <c>double</c>.</summary>
    public string T { get; }

    public string ClassName => Spec.ClassName;

    public IReadOnlyList<TensorPlan> Tensors { get; }

    public IReadOnlyList<LayerPlan> Layers { get; }

    public TensorPlan? Embedding { get; }

    public TensorPlan? HeadWeight { get; }

    public TensorPlan? HeadBias { get; }

    /// <summary>Number of parameters of this model (of this stack, for an encoder-decoder model's stack).</summary>
    public int ParameterCount { get; }

    /// <summary>Offset of this model's first tensor in its parameter array: 0 but for the decoder of an encoder-decoder model.</summary>
    public int ParameterBase { get; }

    /// <summary>One stack of an encoder-decoder model, emitted as a nested class over its model's arrays.</summary>
    public bool IsStack => Spec.Role != ModelRole.Model;

    /// <summary>The forward products' k loops are written out (<c>unroll: full</c> within its budget).</summary>
    public bool UnrollProducts => UnrollBudget.UnrollsProducts(Spec);

    public int FoldedBiasLength { get; }

    /// <summary>Length of <c>_packed</c>, the kernel-ordered copies of every W_ih, W_hh and W_hr.</summary>
    public int PackedLength { get; }

    /// <summary>Outputs per panel of a packed matrix: 512 bytes of a row, one Vector512 register file's worth of accumulators (8).</summary>
    public int PanelWidth { get; }

    /// <summary>Width the head reads: the last layer's <c>D * (P or H)</c>.</summary>
    public int FeatureWidth { get; }

    public int OutputSize { get; }

    public int OutputLength { get; }

    public int MaxWidth { get; }

    public int MaxHidden { get; }

    public int MaxGateScratch { get; }

    /// <summary>Length of a layer's work area: zero state, cell state, gate scratch.</summary>
    public int WorkLength { get; }

    public int SequenceBufferLength { get; }

    public int PredictScratchLength { get; }

    /// <summary>Length of a layer's work area when it runs a group of sequences (<c>LayerKRunGroup</c>).</summary>
    public int GroupWorkLength { get; }

    /// <summary>Length of PredictGroup's scratch: <see cref="CellEmitter.GroupSize"/> sequences in lockstep.</summary>
    public int PredictGroupScratchLength { get; }

    /// <summary>Predict and the layers' Run methods exist: not one-to-many, not a decoder stack.</summary>
    public bool RunsSequences => !IsGenerative && Spec.Role != ModelRole.Decoder;

    /// <summary>PredictBatch exists.</summary>
    public bool HasPredictBatch => RunsSequences && !IsStack;

    /// <summary>
    /// PredictBatch runs sequences in lockstep groups (PredictGroup, LayerKRunGroup, LayerKStepGroup); false when the
    /// source budget drops them (<see cref="ModelEmitter.SourceBudget"/>): it then runs Predict sequence by sequence.
    /// </summary>
    public bool BatchesInGroups => HasPredictBatch && _groups;

    /// <summary>
    /// AccumulateGradientsBatch trains lockstep groups too (AccumulateGroup, LayerKTrainRunGroup, LayerKBackwardRunGroup,
    /// LayerKBackwardStepGroup): a model with PredictBatch's groups and a training section.
    /// </summary>
    public bool TrainsInGroups => BatchesInGroups && Spec.Training is not null;

    private readonly bool _groups = true;

    /// <summary>This plan without the lockstep group methods, the first thing a model over the source budget gives up.</summary>
    public ModelPlan WithoutGroups() => new(Spec, Namespace, Isas, groups: false);

    public bool PredictGroupScratchOnStack => (long)PredictGroupScratchLength * Literals.ElementBytes(Spec.Precision) <= StackBudgetBytes;

    public int StepScratchLength { get; }

    public int StateLength { get; }

    public bool IsTokens => Spec.Input.IsTokens;

    public bool IsUnidirectional => Spec.Layers.All(l => l.Direction == Direction.Forward);

    public LayerPlan LastLayer => Layers[Layers.Count - 1];

    public bool PredictScratchOnStack => (long)PredictScratchLength * Literals.ElementBytes(Spec.Precision) <= StackBudgetBytes;

    public bool StepScratchOnStack => (long)StepScratchLength * Literals.ElementBytes(Spec.Precision) <= StackBudgetBytes;

    /// <summary>One-to-many: Predict and Generate produce steps one after another from a prime.</summary>
    public bool IsGenerative => Spec.Output.Mode == OutputMode.OneToMany;

    /// <summary>What the public <c>OutputLength</c> says: the steps Predict generates for one-to-many, else <see cref="OutputLength"/>.</summary>
    public int PublicOutputLength => IsGenerative ? Spec.Output.Length : OutputLength;

    /// <summary>Generate of a token model keeps the head's probabilities of the current step.</summary>
    public int GenerateScratchLength => IsGenerative && IsTokens ? OutputSize : 0;

    public bool GenerateScratchOnStack => (long)GenerateScratchLength * Literals.ElementBytes(Spec.Precision) <= StackBudgetBytes;

    /// <summary>Where Generate's part of the thread buffer starts: after Step's, which Generate calls.</summary>
    public int GenerateScratchOffset => StepScratchOnStack ? 0 : StepScratchLength;

    /// <summary>Length of the per-thread buffer, covering whichever of Predict, Step and Generate do not fit the stack.</summary>
    public int ThreadScratchLength => Math.Max(
        Math.Max(PredictScratchOnStack || IsGenerative ? 0 : PredictScratchLength, PredictGroupScratchOnStack || !BatchesInGroups ? 0 : PredictGroupScratchLength),
        (StepScratchOnStack || !IsUnidirectional ? 0 : StepScratchLength) + (GenerateScratchOnStack ? 0 : GenerateScratchLength));

    public static ModelPlan Create(ModelSpec spec, string? namespaceName) => new(spec, namespaceName, Isa.All);

    public static ModelPlan Create(ModelSpec spec, string? namespaceName, IReadOnlyList<Isa> isas, bool groups = true) => new(spec, namespaceName, isas, groups: groups);

    /// <summary>The plan of one stack of an encoder-decoder model, its tensors named and placed as in the model's array.</summary>
    public static ModelPlan CreateStack(ModelSpec stack, IReadOnlyList<Isa> isas, int parameterBase, string namePrefix) =>
        new(stack, null, isas, parameterBase, namePrefix);

    /// <summary>The instruction sets the hot methods are emitted for, widest first, ending with the scalar path.</summary>
    public IReadOnlyList<Isa> Isas { get; }
}
