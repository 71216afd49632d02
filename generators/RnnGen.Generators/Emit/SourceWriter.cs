using System;
using System.Text;

namespace RnnGen.Generators.Emit;

/// <summary>
/// Writes indented C# with <c>\n</c> line ends, whatever the platform, so output is deterministic.
/// </summary>
internal sealed class SourceWriter
{
    private const string IndentUnit = "    ";

    private readonly StringBuilder _text = new();
    private int _indent;

    /// <summary>Writes one line at the current indent (an empty line has no trailing spaces).</summary>
    public void Line(string line = "")
    {
        if (line.Length > 0)
        {
            for (int i = 0; i < _indent; i++)
            {
                _text.Append(IndentUnit);
            }

            _text.Append(line);
        }

        _text.Append('\n');
    }

    /// <summary>Writes several lines, each at the current indent.</summary>
    public void Lines(params string[] lines)
    {
        foreach (string line in lines)
        {
            Line(line);
        }
    }

    /// <summary>Writes <c>{</c>, indents until disposed, then writes <c>}</c> (plus an optional suffix such as <c>;</c>).</summary>
    public BlockScope Block(string closingSuffix = "")
    {
        Line("{");
        _indent++;
        return new BlockScope(this, closingSuffix);
    }

    /// <summary>Writes a header line followed by a block.</summary>
    public BlockScope Block(string header, string closingSuffix)
    {
        Line(header);
        return Block(closingSuffix);
    }

    /// <summary>Writes a <c>/// &lt;summary&gt;</c> comment.</summary>
    public void Summary(params string[] lines)
    {
        Line("/// <summary>");
        foreach (string line in lines)
        {
            Line(line.Length == 0 ? "///" : "/// " + line);
        }

        Line("/// </summary>");
    }

    public override string ToString() => _text.ToString();

    internal readonly struct BlockScope : IDisposable
    {
        private readonly SourceWriter _writer;
        private readonly string _closingSuffix;

        public BlockScope(SourceWriter writer, string closingSuffix)
        {
            _writer = writer;
            _closingSuffix = closingSuffix;
        }

        public void Dispose()
        {
            _writer._indent--;
            _writer.Line("}" + _closingSuffix);
        }
    }
}
