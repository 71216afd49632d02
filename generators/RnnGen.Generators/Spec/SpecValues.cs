namespace RnnGen.Generators.Spec;

/// <summary>How the spec spells the value of every enum-valued key (DESIGN.md, "The spec").</summary>
internal static class SpecValues
{
    public static readonly SpecEnum<Precision> Precision = new(
        "precision", ("float32", Spec.Precision.Float32), ("float64", Spec.Precision.Float64));

    public static readonly SpecEnum<InitKind> Init = new(
        "init", ("pytorch", InitKind.PyTorch), ("orthogonal", InitKind.Orthogonal));

    public static readonly SpecEnum<UnrollMode> Unroll = new(
        "unroll", ("auto", UnrollMode.Auto), ("full", UnrollMode.Full), ("none", UnrollMode.None));

    public static readonly SpecEnum<CellKind> Cell = new(
        "cell", ("rnn", CellKind.Rnn), ("lstm", CellKind.Lstm), ("gru", CellKind.Gru));

    public static readonly SpecEnum<Direction> Direction = new(
        "direction", ("forward", Spec.Direction.Forward), ("bidirectional", Spec.Direction.Bidirectional));

    public static readonly SpecEnum<RnnActivation> Activation = new(
        "activation", ("tanh", RnnActivation.Tanh), ("relu", RnnActivation.Relu));

    public static readonly SpecEnum<GruReset> Reset = new(
        "reset", ("after", GruReset.After), ("before", GruReset.Before));

    public static readonly SpecEnum<OutputMode> Mode = new(
        "mode",
        ("many-to-one", OutputMode.ManyToOne),
        ("many-to-many", OutputMode.ManyToMany),
        ("one-to-many", OutputMode.OneToMany),
        ("encoder-decoder", OutputMode.EncoderDecoder));

    public static readonly SpecEnum<MergeKind> Merge = new(
        "merge", ("concat", MergeKind.Concat), ("sum", MergeKind.Sum));

    public static readonly SpecEnum<HeadKind> Head = new(
        "head", ("none", HeadKind.None), ("linear", HeadKind.Linear), ("sigmoid", HeadKind.Sigmoid), ("softmax", HeadKind.Softmax));

    public static readonly SpecEnum<LossKind> Loss = new(
        "loss", ("mse", LossKind.Mse), ("binary_cross_entropy", LossKind.BinaryCrossEntropy), ("cross_entropy", LossKind.CrossEntropy));

    public static readonly SpecEnum<OptimizerKind> Optimizer = new(
        "optimizer", ("sgd", OptimizerKind.Sgd), ("momentum", OptimizerKind.Momentum), ("adam", OptimizerKind.Adam));
}
