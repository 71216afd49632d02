using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generators.Spec;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Diagnostics;

/// <summary>
/// Every member the emitter declares in a generated class is a reserved name (RNN0010), so no model can be named
/// like one of its members (CS0542): read from the real generated source of specs of every kind.
/// </summary>
public sealed class ReservedNamesTests
{
    [Theory]
    [InlineData("TrainBidiStack.rnn.yaml")]
    [InlineData("TrainTokens.rnn.yaml")]
    [InlineData("TrainLstmOptions.rnn.yaml")]
    [InlineData("GenerateTokens.rnn.yaml")]
    [InlineData("TrainGruCrossEntropy.rnn.yaml")]
    [InlineData("PaddedTokenTagger.rnn.yaml")]
    [InlineData("Seq2SeqBridge.rnn.yaml")]
    [InlineData("Seq2SeqVectors.rnn.yaml")]
    [InlineData("Seq2SeqBidiSum.rnn.yaml")]
    public void Every_emitted_member_name_is_reserved(string specFile)
    {
        string directory = Path.Combine(GeneratorHarness.SourceDirectory(), "..", "Fixtures");
        GeneratorRun run = GeneratorHarness.Run("/project/Fixtures/" + specFile, File.ReadAllText(Path.Combine(directory, specFile)));
        string source = Assert.Single(run.Sources).Source;
        ClassDeclarationSyntax model = CSharpSyntaxTree.ParseText(source).GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().First();
        // an encoder-decoder model's nested stacks are classes of their own: the model's names are its direct members
        string[] names = model.Members.SelectMany(Names).Distinct().ToArray();
        Assert.NotEmpty(names);
        string[] missing = names.Where(n => !ReservedNames.Contains(n)).ToArray();
        Assert.True(missing.Length == 0, "not reserved: " + string.Join(", ", missing));
    }

    private static System.Collections.Generic.IEnumerable<string> Names(MemberDeclarationSyntax member) => member switch
    {
        MethodDeclarationSyntax m => new[] { m.Identifier.Text },
        PropertyDeclarationSyntax p => new[] { p.Identifier.Text },
        FieldDeclarationSyntax f => f.Declaration.Variables.Select(v => v.Identifier.Text),
        BaseTypeDeclarationSyntax t => new[] { t.Identifier.Text },
        _ => System.Array.Empty<string>(),
    };
}
