using System.Collections.Generic;
using System.Linq;
using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>
/// An encoder-decoder model as the emitter sees it (docs/encoder-decoder.md): two stacks that are ordinary generated
/// models over one shared parameter array (the encoder's tensors first, then the bridge's, then the decoder's and the
/// head's, PyTorch's state_dict order), and the bridge or merge between them.
/// </summary>
internal sealed class EncoderDecoderPlan
{
    /// <summary>Name of the nested class of the encoder stack.</summary>
    public const string EncoderClass = "EncoderStack";

    /// <summary>Name of the nested class of the decoder stack.</summary>
    public const string DecoderClass = "DecoderStack";

    private EncoderDecoderPlan(ModelSpec spec, string? namespaceName, IReadOnlyList<Isa> isas)
    {
        Spec = spec;
        Decoder = spec.Decoder!;
        Namespace = namespaceName;
        T = Literals.TypeName(spec.Precision);

        // The encoder: a many-to-one stack without a head, whose final states of every layer start the decoder.
        ModelSpec encoder = spec with
        {
            ClassName = EncoderClass,
            Output = new OutputSpec(OutputMode.ManyToOne, HeadKind.None, 0, 1),
            Weights = null,
            Decoder = null,
            Role = ModelRole.Encoder,
        };

        // The decoder: a many-to-many stack over the output steps, with the model's head; its dropout masks come from a stream of their own.
        ModelSpec decoder = spec with
        {
            ClassName = DecoderClass,
            Input = Decoder.Input,
            Sequence = spec.Output.Length,
            Layers = Decoder.Layers,
            Output = new OutputSpec(OutputMode.ManyToMany, spec.Output.Head, spec.Output.Size, spec.Output.Length),
            Training = spec.Training is { } training ? training with { Seed = unchecked(training.Seed + 1) } : null,
            Weights = null,
            Decoder = null,
            Role = ModelRole.Decoder,
        };

        Encoder = ModelPlan.CreateStack(encoder, isas, 0, "encoder.");
        int offset = Encoder.ParameterCount;
        var bridge = new List<TensorPlan>();
        TensorPlan Add(string name, string offsetName, int fanIn, params int[] shape)
        {
            var tensor = new TensorPlan(name, offsetName, offset, shape, TensorInit.Uniform(Literals.InverseSqrt(fanIn)));
            bridge.Add(tensor);
            offset += tensor.Length;
            return tensor;
        }

        if (Decoder.Bridge)
        {
            int e = Encoder.HiddenStateSize;
            BridgeHiddenWeight = Add("bridge.hidden.weight", "BridgeHiddenWeight", e, ParameterCount.BridgeHiddenSize(Decoder), e);
            BridgeHiddenBias = Add("bridge.hidden.bias", "BridgeHiddenBias", e, ParameterCount.BridgeHiddenSize(Decoder));
            if (ParameterCount.BridgeCellSize(Decoder) > 0)
            {
                BridgeCellWeight = Add("bridge.cell.weight", "BridgeCellWeight", e, ParameterCount.BridgeCellSize(Decoder), e);
                BridgeCellBias = Add("bridge.cell.bias", "BridgeCellBias", e, ParameterCount.BridgeCellSize(Decoder));
            }
        }

        BridgeTensors = bridge;
        DecoderStack = ModelPlan.CreateStack(decoder, isas, offset, "decoder.");
        ParameterTotal = offset + DecoderStack.ParameterCount;
        Tensors = Encoder.Tensors.Concat(bridge).Concat(DecoderStack.Tensors).ToList();
    }

    public static EncoderDecoderPlan Create(ModelSpec spec, string? namespaceName, IReadOnlyList<Isa> isas) => new(spec, namespaceName, isas);

    public ModelSpec Spec { get; }

    public DecoderSpec Decoder { get; }

    public string? Namespace { get; }

    public string T { get; }

    public ModelPlan Encoder { get; }

    public ModelPlan DecoderStack { get; }

    public IReadOnlyList<TensorPlan> BridgeTensors { get; }

    public TensorPlan? BridgeHiddenWeight { get; }

    public TensorPlan? BridgeHiddenBias { get; }

    public TensorPlan? BridgeCellWeight { get; }

    public TensorPlan? BridgeCellBias { get; }

    /// <summary>Every tensor of the model in PyTorch's state_dict order, at its offset in the one parameter array.</summary>
    public IReadOnlyList<TensorPlan> Tensors { get; }

    public int ParameterTotal { get; }

    public bool EncoderTokens => Spec.Input.IsTokens;

    public bool DecoderTokens => Decoder.Input.IsTokens;

    public int OutputSize => DecoderStack.OutputSize;

    public int OutputLength => Spec.Output.Length;

    public bool Training => Spec.Training is not null;

    /// <summary>Values of the encoder's final h states (every layer's [D, P or H]): the bridge's input.</summary>
    public int EncoderHidden => Encoder.HiddenStateSize;

    public int EncoderCell => Encoder.CellStateSize;

    public int DecoderHidden => DecoderStack.HiddenStateSize;

    public int DecoderCell => DecoderStack.CellStateSize;

    /// <summary>
    /// Scratch of one inference call: the encoder's output and final states, the decoder's initial states, a zero
    /// first input for a feature decoder and the probabilities of Decode and Generate.
    /// </summary>
    public int InferenceScratch => Encoder.FeatureWidth + EncoderHidden + EncoderCell + DecoderHidden + DecoderCell + OutputSize
        + (DecoderTokens ? 0 : Decoder.Input.Features);

    public bool InferenceScratchOnStack => (long)InferenceScratch * Literals.ElementBytes(Spec.Precision) <= ModelPlan.StackBudgetBytes;
}
