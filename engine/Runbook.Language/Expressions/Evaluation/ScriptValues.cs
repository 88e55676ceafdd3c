using System.Globalization;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;

namespace Runbook.Language.Expressions.Evaluation;

/// <summary>Converts run values to Scriban's own objects and back, so no .NET object is ever exposed to an expression.</summary>
internal static class ScriptValues
{
    public static object? ToScript(object? value) => value switch
    {
        null or string or bool or long or decimal or double => value,
        int i => (long)i,
        Model.Duration d => d.Text,
        IReadOnlyDictionary<string, object?> map => ToObject(map),
        IEnumerable<object?> list => ToArray(list),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    public static ScriptObject ToObject(IReadOnlyDictionary<string, object?> map)
    {
        var result = new ScriptObject();
        foreach (var (key, item) in map)
        {
            result.SetValue(key, ToScript(item), readOnly: true);
        }

        return result;
    }

    /// <summary>Converts members only when an expression reads them: a run with 1,000 steps pays for the few it reads.</summary>
    public static ScriptObject ToLazyObject(IReadOnlyDictionary<string, object?> map) => new TrackedObject(map, (_, _) => false, null, eager: false);

    /// <summary>
    /// A map whose secret members mark <paramref name="reads"/> when read, by whatever path (member, index, the
    /// whole object through toJSON). Secret members are never stored in the object itself, so a builtin that
    /// enumerates it without asking (object.values, for … in) cannot see them at all.
    /// </summary>
    public static ScriptObject ToTrackedObject(IReadOnlyDictionary<string, object?> map, Func<string, object?, bool> isSecret, SecretReads reads, bool eager) =>
        new TrackedObject(map, isSecret, reads, eager);

    private sealed class TrackedObject : ScriptObject
    {
        private readonly IReadOnlyDictionary<string, object?> _source;
        private readonly Func<string, object?, bool> _isSecret;
        private readonly SecretReads? _reads;

        public TrackedObject(IReadOnlyDictionary<string, object?> source, Func<string, object?, bool> isSecret, SecretReads? reads, bool eager)
        {
            _source = source;
            _isSecret = isSecret;
            _reads = reads;
            if (eager)
            {
                foreach (var (key, raw) in source.Where(e => !isSecret(e.Key, e.Value)))
                {
                    SetValue(key, ToScript(raw), readOnly: true);
                }
            }
        }

        public override bool TryGetValue(TemplateContext? context, SourceSpan span, string member, out object value)
        {
            if (base.TryGetValue(context, span, member, out value!))
            {
                return true;
            }

            if (_source.TryGetValue(member, out var raw))
            {
                value = ToScript(raw)!;
                if (_isSecret(member, raw))
                {
                    _reads?.Mark(); // not cached: the next read marks again, and enumeration never sees it
                }
                else
                {
                    SetValue(member, value, readOnly: true);
                }

                return true;
            }

            value = null!;
            return false;
        }

        public override bool Contains(string member) => base.Contains(member) || _source.ContainsKey(member);

        public IEnumerable<string> Members => _source.Keys;
    }

    private static ScriptArray ToArray(IEnumerable<object?> list)
    {
        var result = new ScriptArray();
        foreach (var item in list)
        {
            result.Add(ToScript(item));
        }

        return result;
    }

    public static object? FromScript(object? value) => value switch
    {
        TrackedObject o => o.Members.ToDictionary(k => k, k => FromScript(o.TryGetValue(null, default, k, out var v) ? v : null), StringComparer.Ordinal) as IReadOnlyDictionary<string, object?>,
        ScriptObject o => o.ToDictionary(p => p.Key, p => FromScript(p.Value), StringComparer.Ordinal) as IReadOnlyDictionary<string, object?>,
        ScriptArray a => a.Select(FromScript).ToList(),
        int i => (long)i,
        float f => (double)f,
        string or IReadOnlyDictionary<string, object?> or System.Text.Json.JsonElement => value,
        System.Collections.IEnumerable sequence => sequence.Cast<object?>().Select(FromScript).ToList(),
        _ => value,
    };

    /// <summary>GitHub Actions' truthiness: false, 0, "", null are false; everything else is true.</summary>
    public static bool Truthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        string s => s.Length > 0,
        long l => l != 0,
        int i => i != 0,
        decimal d => d != 0,
        double d => d != 0 && !double.IsNaN(d),
        _ => true,
    };

    /// <summary>How a value reads when interpolated into text: invariant numbers, true/false, JSON for lists and maps.</summary>
    public static string ToText(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        bool b => b ? "true" : "false",
        IReadOnlyDictionary<string, object?> or IEnumerable<object?> => Json.Write(value),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
