using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace RnnGen.Generators.Spec;

/// <summary>
/// Which names a spec may give its class and namespace. The generated code never escapes a name
/// with '@': a name that would need it is rejected with a suggestion instead, so the class is as
/// easy to use from hand-written code as it is to generate.
/// </summary>
internal static class IdentifierRules
{
    /// <summary>Why <paramref name="name"/> cannot name the generated class, with the fix; null if it can.</summary>
    public static string? ClassNameProblem(string name)
    {
        if (PartProblem(name) is { } problem)
        {
            return problem;
        }

        if (SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None)
        {
            return $"it is a contextual C# keyword, which cannot name a type or makes code that uses it ambiguous; use '{Capitalized(name)}' instead";
        }

        if (name.All(c => c is >= 'a' and <= 'z'))
        {
            return $"a type name of lowercase ASCII letters only may become a C# keyword (warning CS8981); use '{Capitalized(name)}' instead";
        }

        if (ReservedNames.Contains(name))
        {
            return $"the generated class has a member of that name, and a class cannot hold a member named like itself; use '{name}Model' instead";
        }

        return null;
    }

    /// <summary>Why <paramref name="name"/> cannot be the namespace of the generated class, with the fix; null if it can.</summary>
    public static string? NamespaceProblem(string name)
    {
        string[] parts = name.Split('.');
        if (parts[0] == "global")
        {
            return "it starts with 'global', which C# reserves for 'global::'; leave that part out";
        }

        foreach (string part in parts)
        {
            if (part.Length == 0)
            {
                return "it has an empty part; separate its parts with single dots, such as 'Samples.Models'";
            }

            if (PartProblem(part) is { } problem)
            {
                return parts.Length == 1 ? problem : $"its part '{part}' is not usable: {problem}";
            }
        }

        return null;
    }

    private static string? PartProblem(string name)
    {
        if (name.Length > SpecBounds.MaxIdentifierLength)
        {
            return $"it is {name.Length} characters long, and C# allows at most {SpecBounds.MaxIdentifierLength}; use a shorter name";
        }

        if (!SyntaxFacts.IsValidIdentifier(name))
        {
            return $"it is not a C# identifier (letters, digits and '_', not starting with a digit); use '{PascalCase(name)}' instead";
        }

        if (SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None)
        {
            return $"it is a C# keyword; use '{Capitalized(name)}' instead";
        }

        return null;
    }

    private static string Capitalized(string name) => char.ToUpperInvariant(name[0]) + name.Substring(1);

    /// <summary>"jump-detector" becomes "JumpDetector": the runs of letters and digits, each capitalized.</summary>
    private static string PascalCase(string name)
    {
        var builder = new StringBuilder();
        bool startOfWord = true;
        foreach (char c in name)
        {
            if (char.IsLetterOrDigit(c) || c == '_')
            {
                builder.Append(startOfWord ? char.ToUpperInvariant(c) : c);
                startOfWord = false;
            }
            else
            {
                startOfWord = true;
            }
        }

        if (builder.Length == 0)
        {
            return "MyModel";
        }

        return char.IsDigit(builder[0]) ? "Model" + builder : builder.ToString();
    }
}
