using System;
using System.IO;
using System.Linq;
using RnnGen.Tests.Models;
using RnnGen.Tests.Numerics;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Sequences;

/// <summary>
/// Variable lengths and carried state against PyTorch (<c>*.packed.safetensors</c>, made with
/// <c>pack_padded_sequence</c> and given h0/c0 in float64): outputs, final states, losses, parameter
/// gradients and the gradients of the initial states.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Numeric)]
public sealed class PackedSequenceTests
{
    private readonly ITestOutputHelper _log;

    public PackedSequenceTests(ITestOutputHelper log) => _log = log;

    public static TheoryData<string> PackedFixtures => new(
        Directory.GetFiles(Fixture.Directory, "*.packed.safetensors")
            .Select(p => Path.GetFileName(p)[..^".packed.safetensors".Length])
            .OrderBy(n => n, StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(PackedFixtures))]
    public void Lengths_and_states_match_packed_pytorch(string name)
    {
        (ModelHandle model, SafetensorsFile file, Tolerance tolerance) = Open(name);
        double[] input = file["input"].ToDoubleArray();
        int[] lengths = file["lengths"].ToDoubleArray().Select(l => (int)l).ToArray();
        int n = lengths.Length;
        double[] h0 = file["h0"].ToDoubleArray();
        double[]? c0 = file.TryGetTensor("c0", out SafetensorsTensor? c) ? c.ToDoubleArray() : null;
        double[] output = file["output"].ToDoubleArray();
        double[] hn = file["hn"].ToDoubleArray();
        double[]? cn = file.TryGetTensor("cn", out SafetensorsTensor? cnTensor) ? cnTensor.ToDoubleArray() : null;
        int inputLength = input.Length / n, outputLength = output.Length / n, h = model.HiddenStateSize, cs = model.CellStateSize;

        double worst = 0;
        for (int i = 0; i < n; i++)
        {
            (double[] actual, double[] actualHn, double[] actualCn) = model.PredictStates(
                input[(i * inputLength)..((i + 1) * inputLength)], lengths[i], h0[(i * h)..((i + 1) * h)], c0?[(i * cs)..((i + 1) * cs)]);
            worst = Math.Max(worst, tolerance.AssertClose(output.AsSpan(i * outputLength, outputLength), actual, $"{name} output, sequence {i} (length {lengths[i]})"));
            worst = Math.Max(worst, tolerance.AssertClose(hn.AsSpan(i * h, h), actualHn, $"{name} hn, sequence {i}"));
            if (cn is not null)
            {
                worst = Math.Max(worst, tolerance.AssertClose(cn.AsSpan(i * cs, cs), actualCn, $"{name} cn, sequence {i}"));
            }
        }

        _log.WriteLine($"{name}: lengths {string.Join(",", lengths)}, worst forward error {worst:E3}");
    }

    [Theory]
    [MemberData(nameof(PackedFixtures))]
    public void Gradients_with_lengths_and_states_match_packed_pytorch(string name)
    {
        (ModelHandle model, SafetensorsFile file, Tolerance tolerance) = Open(name);
        if (!file.TryGetTensor("loss", out SafetensorsTensor? lossTensor))
        {
            Assert.False(model.IsTrainable, $"{name} trains, so its packed fixture needs losses and gradients");
            return;
        }

        double[] input = file["input"].ToDoubleArray();
        double[] target = file["target"].ToDoubleArray();
        int[] lengths = file["lengths"].ToDoubleArray().Select(l => (int)l).ToArray();
        int n = lengths.Length;
        double[] h0 = file["h0"].ToDoubleArray();
        double[]? c0 = file.TryGetTensor("c0", out SafetensorsTensor? c) ? c.ToDoubleArray() : null;
        double[] gradH0 = file["grad_h0"].ToDoubleArray();
        double[]? gradC0 = file.TryGetTensor("grad_c0", out SafetensorsTensor? gc) ? gc.ToDoubleArray() : null;
        double[] losses = lossTensor.ToDoubleArray();
        int inputLength = input.Length / n, targetLength = target.Length / n, h = model.HiddenStateSize, cs = model.CellStateSize;

        model.ZeroGradients();
        double worst = 0;
        for (int i = 0; i < n; i++)
        {
            (double loss, double[] dh0, double[] dc0) = model.AccumulateStates(
                input[(i * inputLength)..((i + 1) * inputLength)], target[(i * targetLength)..((i + 1) * targetLength)], lengths[i], h0[(i * h)..((i + 1) * h)], c0?[(i * cs)..((i + 1) * cs)]);
            worst = Math.Max(worst, tolerance.AssertClose(new[] { losses[i] }, new[] { loss }, $"{name} loss, sequence {i} (length {lengths[i]})"));
            worst = Math.Max(worst, tolerance.AssertClose(gradH0.AsSpan(i * h, h), dh0, $"{name} dL/dh0, sequence {i}"));
            if (gradC0 is not null)
            {
                worst = Math.Max(worst, tolerance.AssertClose(gradC0.AsSpan(i * cs, cs), dc0, $"{name} dL/dc0, sequence {i}"));
            }
        }

        double[] gradients = model.GetGradients();
        foreach (ParameterInfo parameter in model.Layout)
        {
            worst = Math.Max(worst, tolerance.AssertClose(file["grad." + parameter.Name].ToDoubleArray(), gradients.AsSpan(parameter.Offset, parameter.Length), $"{name} d/d {parameter.Name}"));
        }

        _log.WriteLine($"{name}: worst loss/gradient error {worst:E3}");
    }

    private static (ModelHandle Model, SafetensorsFile File, Tolerance Tolerance) Open(string name)
    {
        ModelHandle model = ModelHandle.Create(name);
        model.Load(Path.Combine(Fixture.Directory, name + ".safetensors"));
        using FileStream stream = File.OpenRead(Path.Combine(Fixture.Directory, name + ".packed.safetensors"));
        return (model, SafetensorsFile.Read(stream), model.IsDouble ? Tolerance.Float64 : Tolerance.Float32);
    }
}
