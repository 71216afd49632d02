namespace RnnGen.Generators.Spec;

/// <summary>Element type of every parameter, activation and output (spec key <c>precision</c>).</summary>
internal enum Precision
{
    Float32,
    Float64,
}

/// <summary>Recurrent cell of one layer (spec key <c>cell</c>).</summary>
internal enum CellKind
{
    Rnn,
    Lstm,
    Gru,
}

/// <summary>Spec key <c>direction</c>.</summary>
internal enum Direction
{
    Forward,
    Bidirectional,
}

/// <summary>Nonlinearity of an rnn cell (spec key <c>activation</c>).</summary>
internal enum RnnActivation
{
    Tanh,
    Relu,
}

/// <summary>Where a gru applies its reset gate (spec key <c>reset</c>).</summary>
internal enum GruReset
{
    /// <summary>PyTorch and cuDNN: <c>r * (W_hn h + b_hn)</c>.</summary>
    After,

    /// <summary>Cho et al. 2014: <c>W_hn (r * h) + b_hn</c>.</summary>
    Before,
}

/// <summary>Spec key <c>output.mode</c>.</summary>
internal enum OutputMode
{
    ManyToOne,
    ManyToMany,
    OneToMany,
    EncoderDecoder,
}

/// <summary>Spec key <c>output.head</c>.</summary>
internal enum HeadKind
{
    None,
    Linear,
    Sigmoid,
    Softmax,
}

/// <summary>Spec key <c>init</c>.</summary>
internal enum InitKind
{
    PyTorch,
    Orthogonal,
}

/// <summary>Spec key <c>unroll</c>.</summary>
internal enum UnrollMode
{
    Auto,
    Full,
    None,
}

/// <summary>Spec key <c>training.loss</c>.</summary>
internal enum LossKind
{
    Mse,
    BinaryCrossEntropy,
    CrossEntropy,
}

/// <summary>Spec key <c>training.optimizer</c>.</summary>
internal enum OptimizerKind
{
    Sgd,
    Momentum,
    Adam,
}

/// <summary>How a bidirectional encoder layer's final states start a decoder layer (spec key <c>encoder.merge</c>).</summary>
internal enum MergeKind
{
    /// <summary><c>[h_fwd, h_bwd]</c>.</summary>
    Concat,

    /// <summary><c>h_fwd + h_bwd</c>.</summary>
    Sum,
}
