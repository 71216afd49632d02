using RnnGen.Generators.Diagnostics;

namespace RnnGen.Generators.Spec;

/// <summary>What every section reader of one spec shares.</summary>
internal sealed class ReadContext
{
    public ReadContext(SpecLocator locator, SpecDiagnostics diagnostics)
    {
        Locator = locator;
        Diagnostics = diagnostics;
        Map = new SpecSourceMap(locator.At(0));
        Values = new ValueReader(locator, diagnostics);
    }

    public SpecLocator Locator { get; }

    public SpecDiagnostics Diagnostics { get; }

    public SpecSourceMap Map { get; }

    public ValueReader Values { get; }

    public LocationInfo Location(YamlNode node) => Locator.Node(node);

    /// <summary>Where to report a key missing from a mapping that has no key of its own (the root, a layer): its first key.</summary>
    public LocationInfo FirstKey(YamlMapping mapping) =>
        mapping.Entries.Count > 0 ? Location(mapping.Entries[0].Key) : Location(mapping);
}
