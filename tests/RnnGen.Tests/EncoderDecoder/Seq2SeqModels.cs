using RnnGen.Tests.EncoderDecoder;

namespace RnnGen.Tests.Models;

// The fixture specs' classes (tests/RnnGen.Tests/Fixtures/Seq2Seq*.rnn.yaml), generated into this namespace.
public sealed partial class Seq2SeqGru : ISeq2SeqModel<float, int, int>, ITokenDecoder<int>;

public sealed partial class Seq2SeqBidiSum : ISeq2SeqModel<float, int, int>, ITokenDecoder<int>;

public sealed partial class Seq2SeqBridge : ISeq2SeqModel<float, int, int>, ITokenDecoder<int>;

public sealed partial class Seq2SeqBridge64 : ISeq2SeqModel<double, int, int>, ITokenDecoder<int>;

public sealed partial class Seq2SeqBidiConcatLstm64 : ISeq2SeqModel<double, double, int>, ITokenDecoder<double>;

public sealed partial class Seq2SeqVectors : ISeq2SeqModel<float, float, float>;

public sealed partial class Seq2SeqVectors64 : ISeq2SeqModel<double, double, double>;

public sealed partial class Seq2SeqVectorsSigmoid : ISeq2SeqModel<float, float, float>;

// tests/RnnGen.Tests/Specs/Seq2SeqDropout64.rnn.yaml: no fixture, checked by finite differences.
public sealed partial class Seq2SeqDropout64 : ISeq2SeqModel<double, double, int>, ITokenDecoder<double>;
