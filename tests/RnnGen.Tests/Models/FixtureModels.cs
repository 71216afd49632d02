using System;

// The fixture specs in Fixtures/ generate these classes; these partial declarations only attach
// the test interfaces (and a RunSteps adapter for unidirectional models).
namespace RnnGen.Tests.Models
{
    public sealed partial class RnnManyToOneLinear : IStepTestModel<float>
    {
        public void RunSteps(ReadOnlySpan<float> input, Span<float> outputs) => Steps.Run<State, float>(Step, input, outputs, InputSize, OutputSize);
    }

    public sealed partial class LstmManyToManyNone : IStepTestModel<float>
    {
        public void RunSteps(ReadOnlySpan<float> input, Span<float> outputs) => Steps.Run<State, float>(Step, input, outputs, InputSize, OutputSize);
    }

    public sealed partial class StackedRnnGruManyToManyLinear : IStepTestModel<float>
    {
        public void RunSteps(ReadOnlySpan<float> input, Span<float> outputs) => Steps.Run<State, float>(Step, input, outputs, InputSize, OutputSize);
    }

    public sealed partial class LstmManyToOneSoftmax64 : IStepTestModel<double>
    {
        public void RunSteps(ReadOnlySpan<double> input, Span<double> outputs) => Steps.Run<State, double>(Step, input, outputs, InputSize, OutputSize);
    }

    public sealed partial class GruManyToManySigmoid64 : IStepTestModel<double>
    {
        public void RunSteps(ReadOnlySpan<double> input, Span<double> outputs) => Steps.Run<State, double>(Step, input, outputs, InputSize, OutputSize);
    }

    public sealed partial class GruBidiManyToOneSigmoid : ITestModel<float>
    {
    }

    public sealed partial class StackedMixedManyToManySoftmax : ITestModel<float>
    {
    }

    public sealed partial class LstmBidiManyToOneNone : ITestModel<float>
    {
    }

    public sealed partial class RnnBidiManyToManyLinear64 : ITestModel<double>
    {
    }

    public sealed partial class StackedThreeManyToOneLinear64 : ITestModel<double>
    {
    }
}

namespace RnnGen.Samples
{
    public sealed partial class JumpDetector : RnnGen.Tests.Models.IStepTestModel<float>
    {
        public void RunSteps(ReadOnlySpan<float> input, Span<float> outputs) =>
            RnnGen.Tests.Models.Steps.Run<State, float>(Step, input, outputs, InputSize, OutputSize);
    }
}

namespace RnnGen.Samples
{
    public sealed partial class StockForecaster : RnnGen.Tests.Models.IStepTestModel<double>
    {
        public void RunSteps(ReadOnlySpan<double> input, Span<double> outputs) =>
            RnnGen.Tests.Models.Steps.Run<State, double>(Step, input, outputs, InputSize, OutputSize);
    }
}
