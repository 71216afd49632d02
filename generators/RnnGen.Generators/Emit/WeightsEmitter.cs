using System.Collections.Generic;
using System.Linq;
using System.Text;
using RnnGen.Generators.Weights;

namespace RnnGen.Generators.Emit;

/// <summary>
/// Emits the compiled-in weights of a spec with <c>weights</c> (docs/weights.md): constructors that start from
/// them, and each tensor's bytes as a string literal, read-only data of the assembly that needs no file at run time.
/// </summary>
internal static class WeightsEmitter
{
    private const string HexDigits = "0123456789ABCDEF";

    public static void EmitConstructors(SourceWriter w, ModelPlan plan, CompiledWeights weights)
    {
        string name = plan.ClassName;
        string file = Escape(weights.FileName);
        w.Summary($"Creates the model with the weights compiled in from {file} (spec key <c>weights</c>).");
        w.Line($"public {name}()");
        w.Line("    : this(0)");
        using (w.Block())
        {
        }

        w.Line();
        w.Summary(
            $"Creates the model with the weights compiled in from {file} (spec key <c>weights</c>): a class with",
            "compiled-in weights always starts with them, so <paramref name=\"seed\"/> changes nothing (it is kept so",
            "code written against any RnnGen model compiles).");
        w.Line($"public {name}(int seed)");
        using (w.Block())
        {
            w.Line("LoadCompiledWeights();");
            w.Line("ParametersChanged();");
        }
    }

    public static void EmitLoad(SourceWriter w, ModelPlan plan, CompiledWeights weights)
    {
        Dictionary<string, TensorPlan> tensors = plan.Tensors.ToDictionary(t => t.Name, t => t);
        w.Summary(
            $"Writes the weights compiled in from {Escape(weights.FileName)} into <see cref=\"Parameters\"/>: each tensor's bytes as",
            "the file holds them, converted to the model's precision exactly as <see cref=\"LoadSafetensors\"/> converts them.");
        w.Line("private void LoadCompiledWeights()");
        using (w.Block())
        {
            w.Line($"global::System.Span<{plan.T}> p = _parameters;");
            foreach (CompiledTensor compiled in weights.Tensors)
            {
                TensorPlan tensor = tensors[compiled.Name];
                w.Line($"global::RnnGen.CompiledWeights.Read({DataName(tensor)}, global::RnnGen.SafetensorsDType.{compiled.DType}, p.Slice({tensor.OffsetName}, {tensor.Length}), {Literals.String(tensor.Name)});");
            }
        }

        w.Line();
        w.Line($"// The tensors of {weights.FileName} as the file holds them (little-endian), two bytes per char, the low byte");
        w.Line("// first: string literals are read-only data of the assembly, and the same bytes on any machine. Properties, not");
        w.Line("// constants, so that the assembly holds each literal once (a constant keeps a second copy in its metadata).");
        foreach (CompiledTensor compiled in weights.Tensors)
        {
            TensorPlan tensor = tensors[compiled.Name];
            w.Line($"private static string {DataName(tensor)} => // {tensor.Name} {tensor.ShapeText} {compiled.DType}, {2 * compiled.Data.Length} bytes");
            w.Line("    " + Literal(compiled.Data) + ";");
        }
    }

    private static string DataName(TensorPlan tensor) => "Compiled" + tensor.OffsetName;

    /// <summary>Every char as <c>\uXXXX</c>: ASCII source, one line per tensor, the same text on every machine.</summary>
    private static string Literal(string data)
    {
        var text = new StringBuilder((6 * data.Length) + 2);
        text.Append('"');
        foreach (char c in data)
        {
            text.Append('\\').Append('u')
                .Append(HexDigits[c >> 12]).Append(HexDigits[(c >> 8) & 0xF])
                .Append(HexDigits[(c >> 4) & 0xF]).Append(HexDigits[c & 0xF]);
        }

        return text.Append('"').ToString();
    }

    /// <summary>A file name in an XML doc comment.</summary>
    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
