using System.Collections.Generic;

namespace RnnGen.Generators.Spec;

/// <summary>
/// Every key a spec may hold, per section (DESIGN.md, "The spec"). Readers ask for keys by these
/// names, and unknown-key messages suggest from these lists.
/// </summary>
internal static class SpecKeys
{
    public const string Model = "model";
    public const string Namespace = "namespace";
    public const string Precision = "precision";
    public const string Input = "input";
    public const string Sequence = "sequence";
    public const string Init = "init";
    public const string Layers = "layers";
    public const string Output = "output";
    public const string Training = "training";
    public const string Unroll = "unroll";
    public const string Weights = "weights";

    public const string Vocab = "vocab";
    public const string Embedding = "embedding";
    public const string Padding = "padding";

    public const string Cell = "cell";
    public const string Hidden = "hidden";
    public const string Direction = "direction";
    public const string Bias = "bias";
    public const string Activation = "activation";
    public const string Projection = "projection";
    public const string Peepholes = "peepholes";
    public const string CellClip = "cell_clip";
    public const string ForgetBias = "forget_bias";
    public const string Reset = "reset";

    public const string Mode = "mode";
    public const string Head = "head";
    public const string Size = "size";
    public const string Length = "length";
    public const string Start = "start";
    public const string Stop = "stop";
    public const string Encoder = "encoder";
    public const string Decoder = "decoder";
    public const string Merge = "merge";
    public const string Bridge = "bridge";

    public const string Loss = "loss";
    public const string Optimizer = "optimizer";
    public const string LearningRate = "learning_rate";
    public const string ClipNorm = "clip_norm";
    public const string Dropout = "dropout";
    public const string Seed = "seed";
    public const string Momentum = "momentum";
    public const string Nesterov = "nesterov";
    public const string Beta1 = "beta1";
    public const string Beta2 = "beta2";
    public const string Epsilon = "epsilon";
    public const string WeightDecay = "weight_decay";

    public static readonly SpecSection Root = new(
        "at the top level of the spec",
        Model, Namespace, Precision, Input, Sequence, Init, Layers, Encoder, Decoder, Output, Training, Unroll, Weights);

    public static readonly SpecSection InputSection = new("under 'input'", Vocab, Embedding, Padding);

    public static readonly SpecSection Layer = new(
        "in an entry of 'layers'",
        Cell, Hidden, Direction, Bias, Activation, Projection, Peepholes, CellClip, ForgetBias, Reset);

    public static readonly SpecSection OutputSection = new(
        "under 'output'", Mode, Head, Size, Length, Start, Stop);

    public static readonly SpecSection EncoderSection = new("under 'encoder'", Input, Layers, Merge);

    public static readonly SpecSection DecoderSection = new("under 'decoder'", Input, Layers, Bridge);

    public static readonly SpecSection TrainingSection = new(
        "under 'training'",
        Loss, Optimizer, LearningRate, ClipNorm, Dropout, Seed, Momentum, Nesterov, Beta1, Beta2, Epsilon, WeightDecay);

    public static readonly IReadOnlyList<SpecSection> Sections = new[] { Root, InputSection, Layer, EncoderSection, DecoderSection, OutputSection, TrainingSection };
}

/// <summary>The keys one mapping of a spec allows, and where that mapping is, in words.</summary>
internal sealed class SpecSection
{
    public SpecSection(string place, params string[] keys)
    {
        Place = place;
        Keys = keys;
    }

    /// <summary>Where these keys belong: "under 'training'".</summary>
    public string Place { get; }

    public IReadOnlyList<string> Keys { get; }
}
