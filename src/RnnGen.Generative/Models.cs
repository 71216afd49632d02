using RnnGen.Generative;

namespace RnnGen.Samples;

// The classes are generated from specs/char_writer.rnn.yaml and specs/melody_writer.rnn.yaml; these declarations
// add nothing but the interface, whose members the generated code already has.
public sealed partial class CharWriter : ITokenModel;

public sealed partial class MelodyWriter : ITokenModel;
