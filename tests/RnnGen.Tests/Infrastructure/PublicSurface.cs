using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace RnnGen.Tests.Infrastructure;

/// <summary>Renders the public types and members a compilation declares, one per line, in declaration order.</summary>
public static class PublicSurface
{
    private static readonly SymbolDisplayFormat Format = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        memberOptions: SymbolDisplayMemberOptions.IncludeType | SymbolDisplayMemberOptions.IncludeParameters | SymbolDisplayMemberOptions.IncludeModifiers | SymbolDisplayMemberOptions.IncludeRef | SymbolDisplayMemberOptions.IncludeConstantValue,
        parameterOptions: SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeName | SymbolDisplayParameterOptions.IncludeParamsRefOut,
        propertyStyle: SymbolDisplayPropertyStyle.ShowReadWriteDescriptor,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    public static string Describe(Compilation compilation)
    {
        var text = new StringBuilder();
        foreach (INamedTypeSymbol type in compilation.Assembly.GlobalNamespace.GetNamespaceMembers().SelectMany(AllTypes).Where(t => t.DeclaredAccessibility == Accessibility.Public))
        {
            Describe(type, text, string.Empty);
        }

        return text.ToString().Replace("\r\n", "\n");
    }

    private static System.Collections.Generic.IEnumerable<INamedTypeSymbol> AllTypes(INamespaceSymbol ns) =>
        ns.GetTypeMembers().Concat(ns.GetNamespaceMembers().SelectMany(AllTypes));

    private static void Describe(INamedTypeSymbol type, StringBuilder text, string indent)
    {
        text.Append(indent).Append(type.TypeKind.ToString().ToLowerInvariant()).Append(' ').AppendLine(type.ToDisplayString());
        foreach (ISymbol member in type.GetMembers().Where(m => m.DeclaredAccessibility == Accessibility.Public && !m.IsImplicitlyDeclared))
        {
            if (member is INamedTypeSymbol nested)
            {
                Describe(nested, text, indent + "  ");
            }
            else if (member is not IMethodSymbol { MethodKind: MethodKind.PropertyGet or MethodKind.PropertySet })
            {
                text.Append(indent).Append("  ").AppendLine(member.ToDisplayString(Format));
            }
        }
    }
}
