using System.Collections.Generic;
using YamlDotNet.Core;

namespace RnnGen.Generators.Spec;

/// <summary>
/// One node of a spec's YAML, as read by <see cref="BoundedYamlReader"/>. The spec reader works on
/// this small tree rather than on YamlDotNet's representation model so that nothing (aliases,
/// merge keys, tags) is ever resolved behind its back, and every node keeps its marks.
/// </summary>
internal abstract class YamlNode
{
    protected YamlNode(Mark start, Mark end)
    {
        Start = start;
        End = end;
    }

    public Mark Start { get; }

    public Mark End { get; }

    /// <summary>How a message names this node when it is not what was expected ("not a mapping").</summary>
    public abstract string Describe();
}

internal sealed class YamlScalar : YamlNode
{
    public YamlScalar(string value, ScalarStyle style, Mark start, Mark end)
        : base(start, end)
    {
        Value = value;
        Style = style;
    }

    public string Value { get; }

    public ScalarStyle Style { get; }

    public bool IsPlain => Style == ScalarStyle.Plain;

    /// <summary>YAML's null (an empty plain value, <c>~</c> or <c>null</c>): no spec key accepts it.</summary>
    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Describe()
    {
        if (IsNull)
        {
            return "an empty value";
        }

        string shown = Phrases.Shown(Value);
        return IsPlain ? $"'{shown}'" : $"the quoted string '{shown}'";
    }
}

internal sealed class YamlMapping : YamlNode
{
    public YamlMapping(IReadOnlyList<YamlEntry> entries, Mark start, Mark end)
        : base(start, end) => Entries = entries;

    public IReadOnlyList<YamlEntry> Entries { get; }

    public override string Describe() => "a mapping";
}

internal sealed class YamlSequence : YamlNode
{
    public YamlSequence(IReadOnlyList<YamlNode> items, Mark start, Mark end)
        : base(start, end) => Items = items;

    public IReadOnlyList<YamlNode> Items { get; }

    public override string Describe() => "a sequence";
}

/// <summary>One key and its value. YAML allows any node as a key; the spec reader accepts only scalars.</summary>
internal readonly record struct YamlEntry(YamlNode Key, YamlNode Value);
