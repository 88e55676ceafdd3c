using System.Collections.Immutable;
using System.Text;
using Runbook.Language.Expressions.Evaluation;

namespace Runbook.Execution.Secrets;

/// <summary>
/// Replaces every known secret with <c>***</c> in anything the engine writes: terminal, journal, JSON events,
/// errors, notification logs. Each secret is also masked in the forms it commonly leaks in: base64 (standard
/// and URL-safe, with and without padding), URL-encoded, JSON-escaped, and line by line when it spans lines.
/// Thread-safe; secrets are only ever added.
/// </summary>
public sealed class SecretMasker
{
    public const string Mask = "***";

    /// <summary>Shorter values would mask ordinary words; such secrets are refused at input time instead.</summary>
    public const int MinimumLength = 3;

    private ImmutableArray<string> _patterns = [];
    private readonly Lock _gate = new();

    public bool IsEmpty => _patterns.IsEmpty;

    public void Add(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < MinimumLength)
        {
            return;
        }

        var forms = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in secret.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length >= MinimumLength).Append(secret))
        {
            forms.Add(value);
            var bytes = Encoding.UTF8.GetBytes(value);
            var base64 = Convert.ToBase64String(bytes);
            forms.Add(base64);
            forms.Add(base64.TrimEnd('='));
            forms.Add(base64.TrimEnd('=').Replace('+', '-').Replace('/', '_'));
            forms.Add(Uri.EscapeDataString(value));
            forms.Add(Uri.EscapeDataString(value).Replace("%20", "+", StringComparison.Ordinal));
            forms.Add(System.Text.Json.JsonEncodedText.Encode(value).ToString());
        }

        lock (_gate)
        {
            _patterns = [.. _patterns.Concat(forms.Where(f => f.Length >= MinimumLength)).Distinct(StringComparer.Ordinal)
                .OrderByDescending(p => p.Length)];
        }
    }

    /// <summary>
    /// Adds a secret-derived value: its text, and for lists and maps each string or number inside (an action may
    /// print one element alone). Booleans are not added: one bit, and masking true/false would hide every flag.
    /// </summary>
    public void AddValue(object? value)
    {
        switch (value)
        {
            case null or bool:
                return;
            case string text:
                Add(text);
                return;
            case IReadOnlyDictionary<string, object?> map:
                Add(ExpressionValues.ToText(map));
                foreach (var item in map.Values)
                {
                    AddValue(item);
                }

                return;
            case IEnumerable<object?> list:
                Add(ExpressionValues.ToText(list));
                foreach (var item in list)
                {
                    AddValue(item);
                }

                return;
            default:
                Add(ExpressionValues.ToText(value));
                return;
        }
    }

    /// <summary>True when the text holds a known secret in any of its masked forms: a value that does is secret too.</summary>
    public bool Reveals(string? text)
    {
        var patterns = _patterns;
        return !string.IsNullOrEmpty(text) && patterns.Any(p => text.Contains(p, StringComparison.Ordinal));
    }

    public string Apply(string text)
    {
        var patterns = _patterns;
        if (patterns.IsEmpty || string.IsNullOrEmpty(text))
        {
            return text;
        }

        foreach (var pattern in patterns)
        {
            if (text.Contains(pattern, StringComparison.Ordinal))
            {
                text = text.Replace(pattern, Mask, StringComparison.Ordinal);
            }
        }

        return text;
    }
}
