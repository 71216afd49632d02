using System.Collections.Generic;
using System.Linq;
using RnnGen.Generators.Spec;

namespace RnnGen.Generators.Emit;

/// <summary>
/// Where training keeps what the backward pass needs: every layer's output sequence, each step's
/// gate activations and cell state, dropout masks, and the gradient buffers. Offsets into flat
/// arrays, computed once so the forward and backward emitters agree.
/// </summary>
internal sealed class TrainingPlan
{
    public TrainingPlan(ModelPlan plan, TrainingSpec training)
    {
        Training = training;
        int steps = plan.Spec.Sequence;
        int sequence = 0, cache = 0, cells = 0, dropped = 0;
        var sequenceOffsets = new List<int>();
        var cacheOffsets = new List<int>();
        var cellOffsets = new List<int>();
        var droppedOffsets = new List<int>();
        foreach (LayerPlan layer in plan.Layers)
        {
            sequenceOffsets.Add(sequence);
            sequence += steps * layer.Width;
            cacheOffsets.Add(cache);
            cache += layer.Directions.Count * steps * layer.GateScratch;
            cellOffsets.Add(cells);
            cells += layer.IsLstm ? layer.Directions.Count * steps * layer.Hidden : 0;
            droppedOffsets.Add(dropped);
            dropped += HasDropout && layer.Index > 0 ? steps * layer.InputWidth : 0;
        }

        SequenceOffsets = sequenceOffsets;
        CacheOffsets = cacheOffsets;
        CellOffsets = cellOffsets;
        DroppedOffsets = droppedOffsets;
        SequencesLength = sequence;
        CacheLength = cache;
        CellsLength = cells;
        DroppedLength = dropped;
        GradientLength = steps * plan.Layers.Max(l => System.Math.Max(l.Width, l.InputWidth));
        MaxStateWidth = plan.Layers.Max(l => l.StateWidth);
        MaxBackwardScratch = plan.Layers.Max(BackwardScratch);
        HeadLength = plan.OutputLength * plan.OutputSize;
        GateGradientsOffset = (2 * plan.MaxHidden) + (2 * MaxStateWidth);
        GatheredInputOffset = GateGradientsOffset + (steps * MaxBackwardScratch);
        WorkLength = GatheredInputOffset + (plan.IsTokens ? steps * plan.Spec.Input.Width : 0);

        // A layer's lockstep state over a group (GroupTrainingEmitter): forward h, h' and c; backward dh, dh', dc, the
        // gathered cache row, c, c', h' (or h) and dx, and the step's scratch, one row per sequence.
        GroupWorkLength = CellEmitter.GroupSize * plan.Layers.Max(l => System.Math.Max(
            (2 * l.StateWidth) + l.Hidden + l.GateScratch,
            (3 * l.StateWidth) + (3 * l.Hidden) + l.GateScratch + BackwardScratch(l) + l.InputWidth));
    }

    /// <summary>Length of the work buffer of the lockstep group methods (<c>LayerKTrainRunGroup</c>, <c>LayerKBackwardRunGroup</c>).</summary>
    public int GroupWorkLength { get; }

    public TrainingSpec Training { get; }

    public bool HasDropout => Training.Dropout > 0;

    public IReadOnlyList<int> SequenceOffsets { get; }

    public IReadOnlyList<int> CacheOffsets { get; }

    public IReadOnlyList<int> CellOffsets { get; }

    public IReadOnlyList<int> DroppedOffsets { get; }

    public int SequencesLength { get; }

    public int CacheLength { get; }

    public int CellsLength { get; }

    public int DroppedLength { get; }

    /// <summary>Length of each of the two buffers that carry gradients between layers: [T, widest input or output].</summary>
    public int GradientLength { get; }

    public int MaxStateWidth { get; }

    public int MaxBackwardScratch { get; }

    /// <summary>
    /// Where a backward run keeps dA in its work buffer, after the zero state, dh, dh' and dc: one row of
    /// <see cref="BackwardScratch"/> values per step, kept until the weight gradients read them.
    /// </summary>
    public int GateGradientsOffset { get; }

    /// <summary>Where a token model's first layer gathers the embedding rows its steps read, the X of its dW_ih.</summary>
    public int GatheredInputOffset { get; }

    /// <summary>Length of the work buffer of the forward and backward runs.</summary>
    public int WorkLength { get; }

    /// <summary>Values of the head's output over a sequence: OutputLength * OutputSize.</summary>
    public int HeadLength { get; }

    /// <summary>
    /// Scratch of one backward step: gate gradients (an lstm's 4H, plus dL/dm before a projection;
    /// a gru's input-side and hidden-side 3H each, plus dL/d(r*h') with reset before; an rnn's H).
    /// </summary>
    public static int BackwardScratch(LayerPlan layer) => layer.Spec.Cell switch
    {
        CellKind.Lstm => layer.GateRows + (layer.HasProjection ? layer.Hidden : 0),
        CellKind.Gru => (2 * layer.GateRows) + (layer.Spec.Reset == GruReset.Before ? layer.Hidden : 0),
        _ => layer.Hidden,
    };
}
