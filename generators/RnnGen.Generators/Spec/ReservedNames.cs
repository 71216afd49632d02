using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace RnnGen.Generators.Spec;

/// <summary>
/// Names the generated class declares as members. C# forbids a member named like its enclosing
/// class (CS0542), so none of them can be the model's name. Keep in step with the emitter.
/// </summary>
internal static class ReservedNames
{
    private static readonly HashSet<string> Members = new(StringComparer.Ordinal)
    {
        // The public surface (DESIGN.md, "The generated class").
        "InputSize", "SequenceLength", "OutputSize", "OutputLength", "ParameterCount", "VocabSize", "Version",
        "Parameters", "ParametersChanged", "ParameterLayout", "Predict", "LoadSafetensors", "SaveSafetensors",
        "State", "Step", "Gradients", "LearningRate", "ZeroGradients", "AccumulateGradients", "ApplyGradients",
        "TrainStep", "SaveTrainingState", "LoadTrainingState", "HiddenStateSize", "CellStateSize", "PredictBatch",
        "AccumulateGradientsBatch", "Generate", "GetState", "SetState", "SeedDropout",

        // Private members the emitter declares.
        "Head", "HeadWeight", "HeadBias", "Initialize", "ThreadScratch", "StateValues",
        "PredictScratchLength", "StepScratchLength", "BatchCount", "TrainingBatchCount", "CheckLengths",
        "PredictBatchOnThreads", "PredictGroup", "CheckBatchTokens", "CheckBatchClasses", "AccumulateGroup", "AccumulateBatchSum", "AccumulateBatchOnThreads", "TrainingWorkers", "GroupTrainingBuffers", "TrainingBuffers", "HeadLogits", "HeadBackward", "EmbeddingWeight",
        "LoadCompiledWeights", "_parameters", "_foldedBias", "_packed", "s_parameterLayout", "s_parameterLayoutView",
        "_gradients", "_optimizer", "_training", "_trainingGroup", "_trainingWorkers", "_batchLoss", "t_scratch", "_dropoutRandom", "CompiledHeadWeight", "CompiledHeadBias", "CompiledEmbeddingWeight",

        // An encoder-decoder model's own members (docs/encoder-decoder.md) and its two nested stacks.
        "DecoderInputSize", "DecoderVocabSize", "StartToken", "StopToken", "EncoderHiddenSize", "EncoderCellSize",
        "DecoderHiddenSize", "DecoderCellSize", "Decode", "Tokens", "RunEncoder", "StartStates", "StartStatesBackward",
        "InitializeBridge", "BridgeHiddenWeight", "BridgeHiddenBias", "BridgeCellWeight", "BridgeCellBias",
        "EncoderStack", "DecoderStack", "_encoder", "_decoder",
    };

    // Per-layer members: Layer0Step, Layer1ReverseWeightHh, ...; per-shape training members: WeightGradient16x3V512, BiasGradient16, ...
    private static readonly Regex LayerMember = new(@"^((Compiled)?Layer|WeightGradient|BiasGradient)[0-9]", RegexOptions.CultureInvariant);

    public static bool Contains(string name) => Members.Contains(name) || LayerMember.IsMatch(name);
}
