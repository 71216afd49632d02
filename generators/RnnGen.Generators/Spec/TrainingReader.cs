using RnnGen.Generators.Diagnostics;

namespace RnnGen.Generators.Spec;

/// <summary>Reads <c>training</c>: loss, optimizer and their settings, with torch.optim's defaults.</summary>
internal static class TrainingReader
{
    private const string Example = "{ loss: mse, optimizer: adam }";

    // torch.optim's defaults (DESIGN.md, "Training semantics").
    private const double AdamLearningRate = 0.001;
    private const double DefaultMomentum = 0.9;
    private const double DefaultBeta1 = 0.9;
    private const double DefaultBeta2 = 0.999;
    private const double DefaultEpsilon = 1e-8;

    /// <summary>The training settings; null when the spec has none, or when they are wrong (reported).</summary>
    public static TrainingSpec? Read(MappingReader root, ReadContext context)
    {
        if (root.Get(SpecKeys.Training) is not { } node)
        {
            return null;
        }

        if (node is not YamlMapping mapping)
        {
            context.Diagnostics.Report(DiagnosticDescriptors.WrongType, context.Location(node),
                Phrases.Quote(SpecKeys.Training), $"a mapping such as '{Example}'", node.Describe());
            return null;
        }

        var keys = new MappingReader(mapping, SpecKeys.Training, root.KeyLocation(SpecKeys.Training), SpecKeys.TrainingSection, context);
        LossKind? loss = keys.Required(SpecKeys.Loss, SpecValues.Loss, $"add 'loss: mse' ({SpecValues.Loss.Expected})");
        OptimizerKind? optimizer = keys.Required(SpecKeys.Optimizer, SpecValues.Optimizer, $"add 'optimizer: adam' ({SpecValues.Optimizer.Expected})");
        double? learningRate = optimizer is OptimizerKind.Sgd or OptimizerKind.Momentum
            ? keys.Required(SpecKeys.LearningRate, NumberRange.Positive, $"add 'learning_rate: 0.01', which {SpecValues.Optimizer.NameOf(optimizer.Value)} has no default for")
            : keys.Optional(SpecKeys.LearningRate, NumberRange.Positive) ?? AdamLearningRate;
        double? clipNorm = keys.Optional(SpecKeys.ClipNorm, NumberRange.Positive);
        double dropout = keys.Optional(SpecKeys.Dropout, NumberRange.UnitInterval) ?? 0;
        int seed = keys.Optional(SpecKeys.Seed, SpecBounds.Seed) ?? 0;
        double momentum = keys.Optional(SpecKeys.Momentum, NumberRange.UnitInterval) ?? DefaultMomentum;
        bool nesterov = keys.Optional(SpecKeys.Nesterov, fallback: false);
        double beta1 = keys.Optional(SpecKeys.Beta1, NumberRange.UnitInterval) ?? DefaultBeta1;
        double beta2 = keys.Optional(SpecKeys.Beta2, NumberRange.UnitInterval) ?? DefaultBeta2;
        double epsilon = keys.Optional(SpecKeys.Epsilon, NumberRange.Positive) ?? DefaultEpsilon;
        double weightDecay = keys.Optional(SpecKeys.WeightDecay, NumberRange.NonNegative) ?? 0;

        if (optimizer is { } kind)
        {
            OnlyFor(keys, kind, OptimizerKind.Momentum, SpecKeys.Momentum, SpecKeys.Nesterov);
            OnlyFor(keys, kind, OptimizerKind.Adam, SpecKeys.Beta1, SpecKeys.Beta2, SpecKeys.Epsilon);
        }

        if (optimizer == OptimizerKind.Momentum && nesterov && momentum == 0)
        {
            // torch.optim.SGD refuses Nesterov momentum without momentum.
            keys.Forbid(SpecKeys.Nesterov,
                $"{Phrases.Quote(keys.PathOf(SpecKeys.Nesterov))} needs a momentum above 0, and 'training.momentum' is 0; raise momentum or remove nesterov");
        }

        int line = root.KeyLocation(SpecKeys.Training).LineSpan.Start.Line + 1;
        return loss is { } lossKind && optimizer is { } optimizerKind && learningRate is { } rate
            ? new TrainingSpec(lossKind, optimizerKind, rate, clipNorm, dropout, seed, momentum, nesterov, beta1, beta2, epsilon, weightDecay, line)
            : null;
    }

    private static void OnlyFor(MappingReader keys, OptimizerKind optimizer, OptimizerKind owner, params string[] settings)
    {
        if (optimizer == owner)
        {
            return;
        }

        string ownerName = SpecValues.Optimizer.NameOf(owner);
        foreach (string setting in settings)
        {
            keys.Forbid(setting,
                $"{Phrases.Quote(keys.PathOf(setting))} applies only to the optimizer {ownerName}, and the optimizer is {SpecValues.Optimizer.NameOf(optimizer)}; remove it or change the optimizer to {ownerName}");
        }
    }
}
