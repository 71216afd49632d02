using RnnGen.Generators.Common;

namespace RnnGen.Generators.Spec;

/// <summary>
/// One validated <c>*.rnn.yaml</c> file. Every member is plain data with value equality, so the
/// incremental pipeline re-emits a model only when its spec really changed.
/// </summary>
/// <param name="ClassName">Spec key <c>model</c>: a valid C# identifier.</param>
/// <param name="Namespace">Spec key <c>namespace</c>, or null to use the consumer's RootNamespace.</param>
/// <param name="SpecFileName">File name of the spec (no directory), quoted in generated comments.</param>
internal sealed record ModelSpec(
    string ClassName,
    string? Namespace,
    string SpecFileName,
    Precision Precision,
    InputSpec Input,
    int Sequence,
    InitKind Init,
    EquatableArray<LayerSpec> Layers,
    OutputSpec Output,
    TrainingSpec? Training,
    UnrollMode Unroll,
    string? Weights)
{
    /// <summary>Full path of the spec file; set by the pipeline, used to order duplicate claims on a class.</summary>
    public string SpecPath { get; init; } = string.Empty;

    /// <summary>
    /// The mode encoder-decoder's second stack and how it starts; null in the other modes. <see cref="Input"/> and
    /// <see cref="Layers"/> are then the encoder's (spec keys <c>encoder.input</c>, <c>encoder.layers</c>).
    /// </summary>
    public DecoderSpec? Decoder { get; init; }

    /// <summary>What the emitter makes of this spec: a model, or one stack of an encoder-decoder model's.</summary>
    public ModelRole Role { get; init; }

    /// <summary>Every layer of the model: the encoder's then the decoder's in the mode encoder-decoder.</summary>
    public System.Collections.Generic.IEnumerable<LayerSpec> AllLayers =>
        Decoder is null ? Layers : System.Linq.Enumerable.Concat(Layers, Decoder.Layers);
}

/// <summary>What one emitted class is: a model of its own, or a nested stack of an encoder-decoder model.</summary>
internal enum ModelRole
{
    /// <summary>A public model class with the whole API.</summary>
    Model,

    /// <summary>The encoder of an encoder-decoder model: its forward pass reports every layer's final states, its backward starts from their gradients.</summary>
    Encoder,

    /// <summary>The decoder of an encoder-decoder model: a many-to-many stack run from given initial states.</summary>
    Decoder,
}

/// <summary>
/// Spec keys <c>decoder</c> and <c>encoder.merge</c> of the mode encoder-decoder (docs/encoder-decoder.md).
/// </summary>
/// <param name="Input">Spec key <c>decoder.input</c>: the previous token or output vector each step reads.</param>
/// <param name="Layers">Spec key <c>decoder.layers</c>, forward only.</param>
/// <param name="Bridge">Spec key <c>decoder.bridge</c>: learned linear + tanh maps from the encoder's final states.</param>
/// <param name="Merge">Spec key <c>encoder.merge</c>: how a bidirectional encoder layer's two final states become one.</param>
internal sealed record DecoderSpec(InputSpec Input, EquatableArray<LayerSpec> Layers, bool Bridge, MergeKind Merge);

/// <summary>
/// Spec key <c>input</c>: either <see cref="Features"/> reals per step, or token input
/// (<see cref="Vocab"/> &gt; 0) looked up in an embedding of width <see cref="Embedding"/>.
/// </summary>
internal sealed record InputSpec(int Features, int Vocab, int Embedding)
{
    /// <summary>Token input's <c>padding</c> id (PyTorch <c>padding_idx</c>): its row starts at zeros and never learns.</summary>
    public int? Padding { get; init; }

    public bool IsTokens => Vocab > 0;

    /// <summary>Width of the vector the first layer reads at each step.</summary>
    public int Width => IsTokens ? Embedding : Features;
}

/// <summary>One entry of <c>layers</c>, with every per-cell option of the contract.</summary>
/// <param name="Projection">LSTM <c>projection</c> (PyTorch <c>proj_size</c>); 0 when absent.</param>
/// <param name="CellClip">LSTM <c>cell_clip</c>; null when absent.</param>
/// <param name="ForgetBias">LSTM <c>forget_bias</c>; null when absent.</param>
/// <param name="Line">1-based line of the layer's entry, for comments that point back at the spec.</param>
internal sealed record LayerSpec(
    CellKind Cell,
    int Hidden,
    Direction Direction,
    bool Bias,
    RnnActivation Activation,
    int Projection,
    bool Peepholes,
    double? CellClip,
    double? ForgetBias,
    GruReset Reset,
    int Line)
{
    public int Directions => Direction == Direction.Bidirectional ? 2 : 1;

    /// <summary>Width of the state a step emits: the projection size when projecting, else hidden.</summary>
    public int OutputWidth => Projection > 0 ? Projection : Hidden;

    /// <summary>Width of this layer's output at one time step: <c>D * (P or H)</c>.</summary>
    public int SequenceWidth => Directions * OutputWidth;

    /// <summary>Number of gate blocks stacked in <c>weight_ih</c>: 1 rnn, 4 lstm, 3 gru.</summary>
    public int Gates => Cell switch
    {
        CellKind.Lstm => 4,
        CellKind.Gru => 3,
        _ => 1,
    };
}

/// <summary>Spec key <c>output</c>. <see cref="Size"/> is 0 with <c>head: none</c>.</summary>
/// <param name="Length">
/// Output steps per sequence (DESIGN.md's <c>OutputLength</c>): 1 for many-to-one, the sequence
/// length for many-to-many, the spec's <c>length</c> for one-to-many and encoder-decoder.
/// </param>
internal sealed record OutputSpec(OutputMode Mode, HeadKind Head, int Size, int Length)
{
    /// <summary><c>output.start</c>: the token fed to the first generated step (one-to-many, encoder-decoder).</summary>
    public int? StartToken { get; init; }

    /// <summary><c>output.stop</c>: the class that ends generation early (one-to-many, encoder-decoder).</summary>
    public int? StopToken { get; init; }
}

/// <summary>Spec key <c>training</c>, parsed in full even where no backward code is emitted yet.</summary>
internal sealed record TrainingSpec(
    LossKind Loss,
    OptimizerKind Optimizer,
    double LearningRate,
    double? ClipNorm,
    double Dropout,
    int Seed,
    double Momentum,
    bool Nesterov,
    double Beta1,
    double Beta2,
    double Epsilon,
    double WeightDecay,
    int Line);
