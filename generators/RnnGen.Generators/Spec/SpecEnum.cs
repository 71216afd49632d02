using System;
using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generators.Spec;

/// <summary>The spellings a spec uses for the values of one enum-valued key.</summary>
internal sealed class SpecEnum<T>
    where T : struct, Enum
{
    private readonly (string Name, T Value)[] _values;

    public SpecEnum(string what, params (string Name, T Value)[] values)
    {
        What = what;
        _values = values;
        Expected = Phrases.OneOf(values.Select(v => v.Name).ToArray());
    }

    /// <summary>What messages call the value: "Unknown <c>cell</c> 'lstmm'".</summary>
    public string What { get; }

    /// <summary>"rnn, lstm or gru".</summary>
    public string Expected { get; }

    public IEnumerable<string> Names => _values.Select(v => v.Name);

    public bool TryParse(string text, out T value)
    {
        foreach ((string name, T candidate) in _values)
        {
            if (string.Equals(name, text, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    public string NameOf(T value) => _values.First(v => EqualityComparer<T>.Default.Equals(v.Value, value)).Name;
}
