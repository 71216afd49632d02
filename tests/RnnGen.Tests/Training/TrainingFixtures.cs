using System;
using System.IO;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace RnnGen.Tests.Training;

/// <summary>
/// The PyTorch 1.13 fixtures written by make_optimizer_fixtures.py, read from the source tree next to this file (the
/// tests run from a clone; the test project copies only its root Fixtures folder). Tensors are named
/// <c>&lt;what&gt;.f64</c> or <c>&lt;what&gt;.f32</c>.
/// </summary>
internal sealed class TrainingFixtures
{
    private readonly SafetensorsFile _file;

    private TrainingFixtures(SafetensorsFile file) => _file = file;

    public static TrainingFixtures Optimizers { get; } = Open("optimizers.safetensors");

    public static TrainingFixtures Clipping { get; } = Open("clipping.safetensors");

    public static TrainingFixtures Losses { get; } = Open("losses.safetensors");

    /// <summary>The suffix of <typeparamref name="T"/>'s tensors.</summary>
    public static string Suffix<T>() => typeof(T) == typeof(float) ? "f32" : "f64";

    public string Metadata(string key) => _file.Metadata[key];

    public JsonElement[] Cases() => JsonSerializer.Deserialize<JsonElement[]>(Metadata("cases"))!;

    /// <summary>A tensor of the file in <typeparamref name="T"/>'s precision, flattened; F32 and F64 convert exactly.</summary>
    public T[] Tensor<T>(string name)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Array.ConvertAll(_file[name].ToDoubleArray(), T.CreateTruncating);

    /// <summary>The tensor <c>name.suffix</c> of <typeparamref name="T"/>'s precision, as doubles (exact).</summary>
    public double[] Expected<T>(string name) => _file[$"{name}.{Suffix<T>()}"].ToDoubleArray();

    /// <summary>The tensor <c>name.suffix</c> of <typeparamref name="T"/>'s precision.</summary>
    public T[] Input<T>(string name)
        where T : unmanaged, IFloatingPointIeee754<T> => Tensor<T>($"{name}.{Suffix<T>()}");

    private static TrainingFixtures Open(string fileName, [CallerFilePath] string source = "")
    {
        string path = Path.Combine(Path.GetDirectoryName(source)!, "Fixtures", fileName);
        using FileStream stream = File.OpenRead(path);
        return new TrainingFixtures(SafetensorsFile.Read(stream));
    }
}
