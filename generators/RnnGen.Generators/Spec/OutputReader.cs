using RnnGen.Generators.Diagnostics;

namespace RnnGen.Generators.Spec;

/// <summary>
/// Reads <c>output</c>: the mode, the head and its size, and the keys of the generating modes
/// (<c>length</c>, <c>start</c>, <c>stop</c>).
/// </summary>
internal static class OutputReader
{
    private const string Example = "{ mode: many-to-one, head: sigmoid, size: 1 }";

    private static readonly IntRange TokenRange = new(0, int.MaxValue);

    /// <param name="sequence">The spec's sequence length, which is the output length of many-to-many.</param>
    public static OutputSpec? Read(MappingReader root, ReadContext context, int? sequence)
    {
        if (root.Require(SpecKeys.Output, $"add 'output: {Example}'") is not { } node)
        {
            return null;
        }

        if (node is not YamlMapping mapping)
        {
            context.Diagnostics.Report(DiagnosticDescriptors.WrongType, context.Location(node),
                Phrases.Quote(SpecKeys.Output), $"a mapping such as '{Example}'", node.Describe());
            return null;
        }

        var keys = new MappingReader(mapping, SpecKeys.Output, root.KeyLocation(SpecKeys.Output), SpecKeys.OutputSection, context);
        OutputMode? mode = keys.Required(SpecKeys.Mode, SpecValues.Mode, $"add 'mode: many-to-one' ({SpecValues.Mode.Expected})");
        HeadKind? head = ReadHead(keys, context);
        int? size = head is { } kind ? ReadSize(keys, kind) : null;
        if (mode is not { } known)
        {
            return null;
        }

        bool generating = known is OutputMode.OneToMany or OutputMode.EncoderDecoder;
        string modeName = SpecValues.Mode.NameOf(known);
        int? length = null, start = null, stop = null;
        if (generating)
        {
            length = keys.Required(SpecKeys.Length, SpecBounds.OutputLength, "add 'length: 20', the number of steps to generate");
            start = keys.Optional(SpecKeys.Start, TokenRange);
            stop = keys.Optional(SpecKeys.Stop, TokenRange);
        }
        else
        {
            foreach (string key in new[] { SpecKeys.Length, SpecKeys.Start, SpecKeys.Stop })
            {
                keys.Forbid(key, $"{Phrases.Quote(keys.PathOf(key))} applies only to the modes one-to-many and encoder-decoder, and the mode is {modeName}; remove it or change the mode");
            }
        }

        int outputLength = known switch
        {
            OutputMode.ManyToOne => 1,
            OutputMode.ManyToMany => sequence ?? 0,
            _ => length ?? 0,
        };

        return head is { } headKind && size is { } width && (!generating || length is not null)
            ? new OutputSpec(known, headKind, width, outputLength) { StartToken = start, StopToken = stop }
            : null;
    }

    /// <summary>The head, none when absent; null when invalid (reported), so that no check runs on a guess.</summary>
    private static HeadKind? ReadHead(MappingReader keys, ReadContext context)
    {
        if (keys.Get(SpecKeys.Head) is not { } node)
        {
            return HeadKind.None;
        }

        return context.Values.TryEnum(node, keys.PathOf(SpecKeys.Head), SpecValues.Head, out HeadKind head) ? head : null;
    }

    /// <summary>The head's width: 0 with <c>head: none</c>, which takes no size.</summary>
    private static int? ReadSize(MappingReader keys, HeadKind head)
    {
        if (head == HeadKind.None)
        {
            keys.Forbid(SpecKeys.Size,
                $"{Phrases.Quote(keys.PathOf(SpecKeys.Size))} needs a head, and the head is none (the output is then the last layer's state); remove size or set head: linear, sigmoid or softmax");
            return 0;
        }

        string headName = SpecValues.Head.NameOf(head);
        return head == HeadKind.Softmax
            ? keys.Required(SpecKeys.Size, SpecBounds.SoftmaxSize, "add 'size: 10', the number of classes",
                $"a softmax over one class always outputs 1, so {SpecBounds.SoftmaxSize.Describe()}")
            : keys.Required(SpecKeys.Size, SpecBounds.OutputSize, $"add 'size: 1', the number of values the {headName} head outputs");
    }
}
