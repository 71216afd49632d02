using System;

namespace RnnGen.Benchmarks;

/// <summary>How many time steps one call of the benchmark method runs (1 for Step, T for Predict and TrainStep).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class TimeStepsAttribute(int count) : Attribute
{
    public int Count { get; } = count;
}
