using System.Collections.Immutable;
using System.Globalization;
using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Model;
using Runbook.Language.Text;
using Runbook.Language.Yaml;

namespace Runbook.Language.Binding;

/// <summary>
/// Reads one YAML mapping against the keys it may hold, reporting unknown keys (with did-you-mean) and
/// wrong types, so the binder reads like the language reference.
/// </summary>
internal sealed class MapReader
{
    private readonly YamlMapping _map;
    private readonly DiagnosticBag _diagnostics;

    public MapReader(YamlMapping map, string what, IReadOnlyCollection<string> allowedKeys, DiagnosticBag diagnostics)
    {
        _map = map;
        _diagnostics = diagnostics;
        foreach (var (key, _) in map.Entries)
        {
            if (!allowedKeys.Contains(key.Value))
            {
                diagnostics.Add(Descriptors.UnknownKey, key.Span,
                    $"unknown key '{key.Value}' in {what}{Suggestions.DidYouMean(key.Value, allowedKeys)}",
                    $"allowed keys: {string.Join(", ", allowedKeys)}");
            }
        }
    }

    public SourceSpan Span => _map.Span;

    public YamlNode? this[string key] => _map[key];

    public bool Has(string key) => _map[key] is not null;

    public SourceSpan KeySpan(string key) => _map.Entries.FirstOrDefault(e => e.Key.Value == key).Key?.Span ?? _map.Span;

    public YamlScalar? Scalar(string key)
    {
        var node = _map[key];
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalar s)
        {
            return s;
        }

        WrongType(key, node, "a single value");
        return null;
    }

    public string? String(string key) => Scalar(key) is { IsNull: false } s ? s.Value : null;

    public string? RequiredString(string key, string what, string fix)
    {
        var value = String(key);
        if (value is null && !Has(key))
        {
            _diagnostics.Add(Descriptors.MissingKey, _map.Span, $"{what} has no '{key}'", fix);
        }
        else if (string.IsNullOrWhiteSpace(value) && Has(key) && _map[key] is YamlScalar)
        {
            _diagnostics.Add(Descriptors.InvalidValue, _map[key]!.Span, $"'{key}' is empty", fix);
        }

        return value;
    }

    public TemplateString? Template(string key) => Scalar(key) is { } s ? TemplateParser.Parse(s, _diagnostics) : null;

    public bool? Bool(string key)
    {
        var s = Scalar(key);
        if (s is null)
        {
            return null;
        }

        if (ScalarValues.TryBool(s, out var value))
        {
            return value;
        }

        _diagnostics.Add(Descriptors.WrongType, s.Span, $"'{key}' must be true or false, found '{s.Value}'", $"write {key}: true or {key}: false");
        return null;
    }

    public int? Int(string key, int min, int max)
    {
        var s = Scalar(key);
        if (s is null)
        {
            return null;
        }

        if (s.Style == ScalarStyle.Plain && int.TryParse(s.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        _diagnostics.Add(Descriptors.WrongType, s.Span, $"'{key}' must be a whole number from {min} to {max}, found '{s.Value}'", $"write {key}: {min}");
        return null;
    }

    public decimal? Number(string key)
    {
        var s = Scalar(key);
        if (s is null)
        {
            return null;
        }

        if (ScalarValues.TryNumber(s, out var value))
        {
            return value;
        }

        _diagnostics.Add(Descriptors.WrongType, s.Span, $"'{key}' must be a number, found '{s.Value}'", $"write {key}: 10");
        return null;
    }

    public Duration? Duration(string key)
    {
        var s = Scalar(key);
        if (s is null)
        {
            return null;
        }

        if (Model.Duration.TryParse(s.Value, out var value))
        {
            return value;
        }

        _diagnostics.Add(Descriptors.InvalidDuration, s.Span, $"'{s.Value}' is not a duration",
            "write a number with a unit: 500ms, 30s, 15m, 2h, 1d, or combined as 1h30m");
        return null;
    }

    public T? Enum<T>(string key, IReadOnlyDictionary<string, T> values)
        where T : struct
    {
        var s = Scalar(key);
        if (s is null)
        {
            return null;
        }

        if (values.TryGetValue(s.Value, out var value))
        {
            return value;
        }

        _diagnostics.Add(Descriptors.InvalidValue, s.Span,
            $"'{key}' cannot be '{s.Value}'{Suggestions.DidYouMean(s.Value, values.Keys)}", $"use one of: {string.Join(", ", values.Keys)}");
        return null;
    }

    public string? OneOf(string key, IReadOnlyCollection<string> allowed)
    {
        var s = Scalar(key);
        if (s is null || allowed.Contains(s.Value))
        {
            return s?.Value;
        }

        _diagnostics.Add(Descriptors.InvalidValue, s.Span,
            $"'{key}' cannot be '{s.Value}'{Suggestions.DidYouMean(s.Value, allowed)}", $"use one of: {string.Join(", ", allowed)}");
        return null;
    }

    public ImmutableArray<YamlScalar> ScalarList(string key)
    {
        var node = _map[key];
        switch (node)
        {
            case null:
                return [];
            case YamlScalar { IsNull: false } single:
                return [single];
            case YamlSequence seq:
                var items = ImmutableArray.CreateBuilder<YamlScalar>();
                foreach (var item in seq.Items)
                {
                    if (item is YamlScalar s)
                    {
                        items.Add(s);
                    }
                    else
                    {
                        _diagnostics.Add(Descriptors.WrongType, item.Span, $"'{key}' holds plain values, found {item.KindName}", $"write {key}: [a, b]");
                    }
                }

                return items.ToImmutable();
            default:
                WrongType(key, node, "a list");
                return [];
        }
    }

    public YamlMapping? Mapping(string key)
    {
        var node = _map[key];
        if (node is null or YamlScalar { IsNull: true })
        {
            return null;
        }

        if (node is YamlMapping m)
        {
            return m;
        }

        WrongType(key, node, "a mapping");
        return null;
    }

    public void WrongType(string key, YamlNode node, string expected) =>
        _diagnostics.Add(Descriptors.WrongType, node.Span, $"'{key}' must be {expected}, found {Describe(node)}",
            $"see the '{key}' entry in docs/language.md");

    private static string Describe(YamlNode node) => node is YamlScalar s ? $"'{Truncate(s.Value)}'" : node.KindName;

    private static string Truncate(string value) => value.Length > 40 ? value[..40] + "…" : value;
}
