using System.Text;

namespace Runbook.Import.Internal.Drafting;

/// <summary>One input of a draft: where its value came from in the markdown decides its type and default.</summary>
internal sealed record InputDraft(string Name, string Type, string? Default, string? Pattern, string? FromEnv, string Origin, int Line);

/// <summary>
/// The inputs of one draft, in the order the markdown first needs them. A literal (a service, cluster or host name)
/// becomes an input with the literal as its default, the same literal always the same input; a placeholder becomes a
/// required input named after it.
/// </summary>
internal sealed class InputTable
{
    private readonly Dictionary<string, InputDraft> _byKey = new(StringComparer.Ordinal);
    private readonly List<InputDraft> _ordered = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public IReadOnlyList<InputDraft> All => _ordered;

    /// <summary>The input for a literal of a kind ("service", "cluster", "host"): the first of a kind takes the kind's name.</summary>
    public string Literal(string kind, string literal, int line, string type = "string", string? pattern = null)
    {
        var key = kind + "\0" + literal;
        if (_byKey.TryGetValue(key, out var known))
        {
            return known.Name;
        }

        var name = _names.Contains(kind) ? Unique(Identifier(kind + "_" + literal, 40)) : kind;
        return Add(key, new InputDraft(name, type, literal, pattern, null, $"{kind.Replace('_', ' ')} '{literal}' written in the runbook", line));
    }

    public string Placeholder(string token, string rawName, int line, string type = "string")
    {
        var key = "placeholder\0" + Identifier(rawName, 40);
        if (_byKey.TryGetValue(key, out var known))
        {
            return known.Name;
        }

        var name = Unique(Identifier(rawName, 40));
        return Add(key, new InputDraft(name, type, null, null, null, $"placeholder {token}", line));
    }

    public string Secret(string token, string variable, int line)
    {
        var key = "secret\0" + variable;
        if (_byKey.TryGetValue(key, out var known))
        {
            return known.Name;
        }

        var name = Unique(Identifier(variable, 40));
        return Add(key, new InputDraft(name, "secret", null, null, variable, $"environment variable {token}", line));
    }

    private string Add(string key, InputDraft input)
    {
        _byKey[key] = input;
        _ordered.Add(input);
        _names.Add(input.Name);
        return input.Name;
    }

    private string Unique(string name)
    {
        if (!_names.Contains(name))
        {
            return name;
        }

        for (var i = 2; ; i++)
        {
            if (!_names.Contains($"{name}_{i}"))
            {
                return $"{name}_{i}";
            }
        }
    }

    /// <summary>An identifier (letters, digits, '_'; not starting with a digit), lower case, from any text.</summary>
    public static string Identifier(string text, int max)
    {
        var result = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                result.Append(c);
            }
            else if (result.Length > 0 && result[^1] != '_')
            {
                result.Append('_');
            }

            if (result.Length >= max)
            {
                break;
            }
        }

        var id = result.ToString().Trim('_');
        if (id.Length == 0)
        {
            return "value";
        }

        return char.IsAsciiDigit(id[0]) ? "v_" + id : id;
    }
}
