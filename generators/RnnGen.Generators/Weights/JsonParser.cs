using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RnnGen.Generators.Weights;

/// <summary>
/// A strict JSON parser (RFC 8259) for safetensors headers, small enough to read at a glance: the generator
/// targets netstandard2.0 and carries no JSON package. Bounded (nesting depth) and never throws: a problem is
/// returned as text.
/// </summary>
internal sealed class JsonParser
{
    /// <summary>A header nests three levels (root, tensor entry, shape); a little slack keeps messages precise.</summary>
    public const int MaxDepth = 8;

    private readonly string _text;
    private int _position;
    private string? _error;

    private JsonParser(string text) => _text = text;

    /// <summary>Parses one JSON value that fills <paramref name="text"/> (whitespace aside).</summary>
    /// <returns>The value, or null with <paramref name="error"/> set.</returns>
    public static JsonValue? Parse(string text, out string? error)
    {
        var parser = new JsonParser(text);
        JsonValue? value = parser.Value(0);
        if (value is not null)
        {
            parser.SkipWhitespace();
            if (parser._position < text.Length)
            {
                parser.Fail("unexpected text after the JSON value");
                value = null;
            }
        }

        error = value is null ? parser._error : null;
        return value;
    }

    private JsonValue? Value(int depth)
    {
        SkipWhitespace();
        if (_position >= _text.Length)
        {
            return Fail("the JSON ends early");
        }

        char c = _text[_position];
        switch (c)
        {
            case '{':
                return depth >= MaxDepth ? Fail("the JSON nests too deeply") : Object(depth);
            case '[':
                return depth >= MaxDepth ? Fail("the JSON nests too deeply") : Array(depth);
            case '"':
                return String() is { } text ? JsonValue.String(text) : null;
            case 't':
                return Word("true", JsonKind.True);
            case 'f':
                return Word("false", JsonKind.False);
            case 'n':
                return Word("null", JsonKind.Null);
            default:
                return c == '-' || IsDigit(c) ? Number() : Fail($"unexpected character '{c}'");
        }
    }

    private JsonValue? Object(int depth)
    {
        _position++;
        var members = new List<KeyValuePair<string, JsonValue>>();
        SkipWhitespace();
        if (Peek('}'))
        {
            _position++;
            return JsonValue.Object(members);
        }

        while (true)
        {
            SkipWhitespace();
            if (!Peek('"'))
            {
                return Fail("expected a quoted name in an object");
            }

            if (String() is not { } name)
            {
                return null;
            }

            SkipWhitespace();
            if (!Peek(':'))
            {
                return Fail("expected ':' after a name");
            }

            _position++;
            if (Value(depth + 1) is not { } value)
            {
                return null;
            }

            members.Add(new KeyValuePair<string, JsonValue>(name, value));
            SkipWhitespace();
            if (Peek(','))
            {
                _position++;
                continue;
            }

            if (Peek('}'))
            {
                _position++;
                return JsonValue.Object(members);
            }

            return Fail("expected ',' or '}' in an object");
        }
    }

    private JsonValue? Array(int depth)
    {
        _position++;
        var items = new List<JsonValue>();
        SkipWhitespace();
        if (Peek(']'))
        {
            _position++;
            return JsonValue.Array(items);
        }

        while (true)
        {
            if (Value(depth + 1) is not { } item)
            {
                return null;
            }

            items.Add(item);
            SkipWhitespace();
            if (Peek(','))
            {
                _position++;
                continue;
            }

            if (Peek(']'))
            {
                _position++;
                return JsonValue.Array(items);
            }

            return Fail("expected ',' or ']' in an array");
        }
    }

    private string? String()
    {
        _position++;
        var builder = new StringBuilder();
        while (_position < _text.Length)
        {
            char c = _text[_position++];
            if (c == '"')
            {
                return builder.ToString();
            }

            if (c < ' ')
            {
                Fail("a control character inside a string");
                return null;
            }

            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            if (_position >= _text.Length)
            {
                break;
            }

            char escape = _text[_position++];
            switch (escape)
            {
                case '"': builder.Append('"'); break;
                case '\\': builder.Append('\\'); break;
                case '/': builder.Append('/'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u':
                    if (_position + 4 > _text.Length
                        || !int.TryParse(_text.Substring(_position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                    {
                        Fail("an invalid \\u escape in a string");
                        return null;
                    }

                    builder.Append((char)code);
                    _position += 4;
                    break;
                default:
                    Fail($"an invalid escape '\\{escape}' in a string");
                    return null;
            }
        }

        Fail("a string that does not end");
        return null;
    }

    private JsonValue? Number()
    {
        int start = _position;
        if (Peek('-'))
        {
            _position++;
        }

        if (Peek('0'))
        {
            _position++;
        }
        else if (!Digits())
        {
            return Fail("a number without digits");
        }

        if (Peek('.'))
        {
            _position++;
            if (!Digits())
            {
                return Fail("a number without digits after '.'");
            }
        }

        if (Peek('e') || Peek('E'))
        {
            _position++;
            if (Peek('+') || Peek('-'))
            {
                _position++;
            }

            if (!Digits())
            {
                return Fail("a number without digits in its exponent");
            }
        }

        return JsonValue.Number(_text.Substring(start, _position - start));
    }

    private bool Digits()
    {
        int start = _position;
        while (_position < _text.Length && IsDigit(_text[_position]))
        {
            _position++;
        }

        return _position > start;
    }

    private JsonValue? Word(string word, JsonKind kind)
    {
        if (_position + word.Length > _text.Length || string.CompareOrdinal(_text, _position, word, 0, word.Length) != 0)
        {
            return Fail($"unexpected character '{_text[_position]}'");
        }

        _position += word.Length;
        return JsonValue.Literal(kind);
    }

    private void SkipWhitespace()
    {
        while (_position < _text.Length && _text[_position] is ' ' or '\t' or '\n' or '\r')
        {
            _position++;
        }
    }

    private bool Peek(char c) => _position < _text.Length && _text[_position] == c;

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    private JsonValue? Fail(string message)
    {
        _error ??= message + " at character " + _position.ToString(CultureInfo.InvariantCulture);
        return null;
    }
}
