using System;
using System.Linq;

namespace RnnGen.Generators.Spec;

/// <summary>
/// Which values <c>weights</c> accepts: a path relative to the spec's folder, with '/' between
/// folders, ending in <c>.safetensors</c>. Absolute paths and backslashes would make the spec
/// depend on one machine.
/// </summary>
internal static class WeightsFileName
{
    public const string Extension = ".safetensors";

    public const string Expected = "a file name relative to the spec, ending in .safetensors, such as 'model.safetensors'";

    private static readonly char[] Forbidden = { '\\', ':', '*', '?', '"', '<', '>', '|' };

    public static bool IsValid(string path) =>
        path.EndsWith(Extension, StringComparison.Ordinal)
        && path.Length > Extension.Length
        && path[0] != '/'
        && path[0] != '~'
        && path.IndexOfAny(Forbidden) < 0
        && !path.Any(char.IsControl)
        && path.Split('/').All(part => part.Trim().Length > 0);
}
