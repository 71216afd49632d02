using RnnGen.Tests.EncoderDecoder;

namespace RnnGen.Seq2Seq;

// The demo's class (src/RnnGen.Seq2Seq/Specs/DateRewriter.rnn.yaml, compiled into this assembly for DateDemoTests):
// the behaviour tests of every encoder-decoder reach it through the same interfaces as the fixtures' classes.
public sealed partial class DateRewriter : ISeq2SeqModel<float, int, int>, ITokenDecoder<int>;
