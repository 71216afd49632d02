using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace RnnGen.JitProbe;

/// <summary>Which types and methods of the probe assembly the generator wrote.</summary>
internal static class GeneratedTypes
{
    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Generated model classes: those with the static <c>ParameterLayout</c> property every model has.</summary>
    public static Type[] Models(Assembly assembly) =>
        assembly.GetTypes()
            .Where(t => t.GetProperty("ParameterLayout", BindingFlags.Public | BindingFlags.Static) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToArray();

    /// <summary>
    /// Every method with a body of the models, their nested types (<c>State</c>, closures) and the other
    /// types of the models' namespaces (file-local helpers), which hold nothing but generated code.
    /// </summary>
    public static IEnumerable<MethodBase> Methods(Assembly assembly, IReadOnlyCollection<Type> models)
    {
        var namespaces = new HashSet<string?>(models.Select(m => m.Namespace), StringComparer.Ordinal);
        return assembly.GetTypes()
            .Where(t => namespaces.Contains(t.Namespace) && t.Namespace != typeof(Program).Namespace)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .SelectMany(t => t.GetMethods(Declared).Cast<MethodBase>().Concat(t.GetConstructors(Declared)))
            .Where(m => !m.IsAbstract && m.GetMethodBody() is not null);
    }
}
