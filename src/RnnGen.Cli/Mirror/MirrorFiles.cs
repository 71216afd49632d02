using System.Collections.Generic;
using System.IO;
using System.Resources;
using System.Text;
using System.Text.RegularExpressions;
using RnnGen.Generators.Spec;

namespace RnnGen.Cli.Mirror;

/// <summary>
/// The files <c>rnngen mirror</c> writes: the PyTorch mirror module <c>src/python/rnngen_torch.py</c>, embedded in
/// this assembly at build time (the file itself, not a copy), and a small script per spec that builds the model.
/// </summary>
internal static class MirrorFiles
{
    public const string ModuleFileName = "rnngen_torch.py";

    private const string ModuleName = "rnngen_torch";

    private static readonly Regex Placeholder = new(@"\$([A-Z_]+)\$", RegexOptions.CultureInvariant);

    /// <summary>The bytes of <c>src/python/rnngen_torch.py</c> as they were when this tool was built.</summary>
    public static byte[] ModuleBytes() => ReadResource("RnnGen.Cli.rnngen_torch.py");

    /// <summary>The file name of the script for <paramref name="spec"/>, such as <c>jump_detector.py</c>.</summary>
    public static string ScriptFileName(ModelSpec spec) => PythonText.ModuleName(spec.ClassName, ModuleName) + ".py";

    /// <summary>
    /// A Python script that embeds the spec's text and builds its mirror (<c>build_model()</c>); run, it lists the
    /// parameters and can load or write weights.
    /// </summary>
    /// <param name="spec">The parsed spec: its class name names the script.</param>
    /// <param name="specFileName">The spec's file name, quoted in the script's docstring.</param>
    /// <param name="specText">The spec file's text, embedded verbatim.</param>
    public static string Script(ModelSpec spec, string specFileName, string specText)
    {
        string template = Encoding.UTF8.GetString(ReadResource("RnnGen.Cli.model_script.py")).Replace("\r\n", "\n");
        string scriptFile = ScriptFileName(spec);
        var values = new Dictionary<string, string>
        {
            ["MODEL"] = spec.ClassName,
            ["SPEC_FILE"] = PythonText.TripleQuotedContents(specFileName),
            ["SCRIPT_FILE"] = scriptFile,
            ["SCRIPT_MODULE"] = Path.GetFileNameWithoutExtension(scriptFile),
            ["SPEC_YAML"] = PythonText.TripleQuotedContents(specText),
        };

        // One pass, so a '$NAME$' inside the spec text is never substituted.
        return Placeholder.Replace(template, match => values[match.Groups[1].Value]);
    }

    private static byte[] ReadResource(string name)
    {
        using Stream stream = typeof(MirrorFiles).Assembly.GetManifestResourceStream(name)
            ?? throw new MissingManifestResourceException($"The resource '{name}' is missing from {typeof(MirrorFiles).Assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
