using System.Collections.Immutable;
using Runbook.Language.Model;

namespace Runbook.Language.Actions;

/// <summary>What a command does to the data it reaches, as far as the safety rules care.</summary>
public enum CommandEffect
{
    /// <summary>The command only reads.</summary>
    ReadOnly,

    /// <summary>The command changes data or settings, or is not known to only read.</summary>
    Mutating,

    /// <summary>The command destroys data that nothing can bring back (FLUSHALL): an approval is required.</summary>
    Irreversible,

    /// <summary>The action never sends the command (KEYS blocks the server): see <see cref="CommandRule.Refused"/>.</summary>
    Refused,

    /// <summary>The command's name is not known before the run (an expression): taken as mutating.</summary>
    Unknown,
}

/// <summary>
/// A declarative rule classifying a command written as a list of words (<c>[CONFIG, SET, maxmemory, 1gb]</c>) by
/// its name: one word, or the name and its subcommand (<c>CONFIG GET</c>). Names are matched case-insensitively,
/// the two-word form first. A command on none of the lists mutates: a read-only phase admits only the commands
/// known to read.
/// </summary>
/// <param name="Argument">The argument that holds the command as a list.</param>
/// <param name="ReadOnly">Commands that only read.</param>
/// <param name="Irreversible">Commands that destroy data beyond recovery.</param>
/// <param name="Refused">Commands the action never sends, with the reason and what to use instead.</param>
public sealed record CommandRule(
    string Argument,
    ImmutableHashSet<string> ReadOnly,
    ImmutableHashSet<string> Irreversible,
    ImmutableDictionary<string, string> Refused)
{
    /// <summary>The effect of a command whose words are known; an empty command is <see cref="CommandEffect.Unknown"/>.</summary>
    public CommandEffect Classify(IReadOnlyList<string> words) => Match(words) switch
    {
        null => words.Count == 0 ? CommandEffect.Unknown : CommandEffect.Mutating,
        var name when Refused.ContainsKey(name) => CommandEffect.Refused,
        var name when Irreversible.Contains(name) => CommandEffect.Irreversible,
        var name when ReadOnly.Contains(name) => CommandEffect.ReadOnly,
        _ => CommandEffect.Mutating,
    };

    /// <summary>
    /// The effect of the command as a playbook writes it: words up to the first expression are known now, so a
    /// command whose name is an expression is <see cref="CommandEffect.Unknown"/>, and <c>[CONFIG, "${{ x }}"]</c>
    /// is judged by CONFIG alone (mutating) until the run knows the subcommand.
    /// </summary>
    public CommandEffect Classify(ArgumentValue? command) => LiteralWords(command) switch
    {
        [] => CommandEffect.Unknown,
        var words => Classify(words),
    };

    /// <summary>The literal words at the start of a command list, up to the first item that is not a literal scalar.</summary>
    public static IReadOnlyList<string> LiteralWords(ArgumentValue? command) => command is ListArgument list
        ? list.Items.TakeWhile(i => i is ScalarArgument { Text.IsLiteral: true }).Select(i => ((ScalarArgument)i).Text.Raw).ToList()
        : [];

    /// <summary>The name the rule knows the command by (<c>CONFIG SET</c>, <c>DEL</c>), upper case; null when it knows neither form.</summary>
    public string? Match(IReadOnlyList<string> words)
    {
        if (words.Count == 0)
        {
            return null;
        }

        var first = words[0].Trim().ToUpperInvariant();
        if (words.Count > 1)
        {
            var pair = first + " " + words[1].Trim().ToUpperInvariant();
            if (Knows(pair))
            {
                return pair;
            }
        }

        return Knows(first) ? first : null;
    }

    /// <summary>How a message names the command: its name as the rule knows it, else the first word in upper case.</summary>
    public string NameOf(IReadOnlyList<string> words) => Match(words) ?? (words.Count > 0 ? words[0].Trim().ToUpperInvariant() : "(empty)");

    private bool Knows(string name) => ReadOnly.Contains(name) || Irreversible.Contains(name) || Refused.ContainsKey(name);
}
