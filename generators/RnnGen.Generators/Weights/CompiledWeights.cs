using RnnGen.Generators.Common;

namespace RnnGen.Generators.Weights;

/// <summary>One tensor to compile in: its PyTorch name, its dtype in the file and its bytes, two per char (low byte first).</summary>
internal sealed record CompiledTensor(string Name, string DType, string Data);

/// <summary>The weights a class starts with: the spec's <c>weights</c> value and every parameter tensor in layout order.</summary>
internal sealed record CompiledWeights(string FileName, EquatableArray<CompiledTensor> Tensors);

/// <summary>The compiled weights of one spec, found by the spec's path.</summary>
internal sealed record SpecWeights(string SpecPath, CompiledWeights Weights);
