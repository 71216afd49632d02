using System;
using System.IO;
using System.Linq;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Xunit.Sdk;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// Snapshot files with Verify's conventions, small enough to replace by Verify itself:
/// the accepted text is <c>{name}.verified.{ext}</c> next to the test; a mismatch writes
/// <c>{name}.received.{ext}</c> (git-ignored) and fails with a line diff. To accept a change,
/// review the diff and rename received to verified, or run with <c>RNNGEN_ACCEPT_SNAPSHOTS=1</c>.
/// </summary>
public static class Snapshot
{
    public static void Verify(string directory, string name, string extension, string actual)
    {
        string verifiedPath = Path.Combine(directory, $"{name}.verified.{extension}");
        string receivedPath = Path.Combine(directory, $"{name}.received.{extension}");
        actual = actual.Replace("\r\n", "\n", StringComparison.Ordinal);

        string? verified = File.Exists(verifiedPath) ? File.ReadAllText(verifiedPath).Replace("\r\n", "\n", StringComparison.Ordinal) : null;
        if (verified == actual)
        {
            File.Delete(receivedPath);
            return;
        }

        if (Environment.GetEnvironmentVariable("RNNGEN_ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(verifiedPath, actual, new UTF8Encoding(false));
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, actual, new UTF8Encoding(false));
        string message = verified is null
            ? $"No snapshot {verifiedPath} yet; wrote {receivedPath}. Review it and rename it to .verified.{extension}."
            : $"Snapshot {verifiedPath} differs; wrote {receivedPath}.\n{Diff(verified, actual)}";
        throw new XunitException(message);
    }

    private static string Diff(string expected, string actual)
    {
        DiffPaneModel model = new InlineDiffBuilder(new DiffPlex.Differ()).BuildDiffModel(expected, actual);
        var text = new StringBuilder();
        int shown = 0;
        foreach (DiffPiece line in model.Lines.Where(l => l.Type != ChangeType.Unchanged))
        {
            if (++shown > 60)
            {
                text.AppendLine("...");
                break;
            }

            text.Append(line.Type == ChangeType.Inserted ? "+ " : "- ").Append(line.Position).Append(": ").AppendLine(line.Text);
        }

        return text.ToString();
    }
}
