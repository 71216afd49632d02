using System.Collections.Generic;

namespace RnnGen.Generators.Weights;

internal enum JsonKind
{
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>
/// One value of a small JSON document (a safetensors header). Numbers keep their text, so the reader decides what
/// an integer is exactly as the runtime's loader does. Objects keep their members in order, repeats included, so
/// the reader can refuse a name that appears twice.
/// </summary>
internal sealed class JsonValue
{
    private JsonValue(JsonKind kind, string? text, List<KeyValuePair<string, JsonValue>>? members, List<JsonValue>? items)
    {
        Kind = kind;
        Text = text;
        Members = members ?? new List<KeyValuePair<string, JsonValue>>();
        Items = items ?? new List<JsonValue>();
    }

    public JsonKind Kind { get; }

    /// <summary>A string's value or a number's text; null for the other kinds.</summary>
    public string? Text { get; }

    public List<KeyValuePair<string, JsonValue>> Members { get; }

    public List<JsonValue> Items { get; }

    public static JsonValue Object(List<KeyValuePair<string, JsonValue>> members) => new(JsonKind.Object, null, members, null);

    public static JsonValue Array(List<JsonValue> items) => new(JsonKind.Array, null, null, items);

    public static JsonValue String(string text) => new(JsonKind.String, text, null, null);

    public static JsonValue Number(string text) => new(JsonKind.Number, text, null, null);

    public static JsonValue Literal(JsonKind kind) => new(kind, null, null, null);

    /// <summary>How messages name a value's kind, as the runtime's loader does.</summary>
    public string Describe() => Kind switch
    {
        JsonKind.Object => "an object",
        JsonKind.Array => "an array",
        JsonKind.String => "a string",
        JsonKind.Number => "a number",
        JsonKind.True or JsonKind.False => "a boolean",
        _ => "null",
    };
}
