using System.Globalization;
using System.Text;

namespace Runbook.Providers.Gcp.Tests.CloudRunServer;

/// <summary>
/// The part of the Logging query language the test server understands: comparisons joined by AND (or by nothing, as
/// Google allows) on resource.type, resource.labels.{service_name, revision_name, location, project_id,
/// configuration_name}, logName, timestamp, severity and textPayload, with =, !=, &lt;, &lt;=, &gt;, &gt;= and : (has).
/// Anything else — OR, NOT, a leading -, parentheses, a bare word, another field — is refused with
/// INVALID_ARGUMENT, so a filter term is never silently ignored and a test never passes on entries it did not ask for.
/// </summary>
internal sealed class LogFilter
{
    private static readonly string[] Severities = ["DEFAULT", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY"];
    private static readonly string[] Labels = ["service_name", "revision_name", "location", "project_id", "configuration_name"];

    private readonly List<Func<LogState, bool>> _terms;

    private LogFilter(List<Func<LogState, bool>> terms) => _terms = terms;

    public bool Matches(LogState entry) => _terms.All(t => t(entry));

    /// <summary>Parses <paramref name="filter"/>; throws INVALID_ARGUMENT naming the term it does not understand.</summary>
    public static LogFilter Parse(string? filter, string project, string region)
    {
        var terms = new List<Func<LogState, bool>>();
        var tokens = Lex(filter ?? string.Empty);
        var i = 0;
        while (i < tokens.Count)
        {
            var token = tokens[i];
            if (token.Kind == TokenKind.Word && token.Text == "AND")
            {
                i++;
                continue;
            }

            if (token.Kind != TokenKind.Word || token.Text is "OR" or "NOT" || token.Text.StartsWith('-'))
            {
                throw Invalid(filter!, $"'{token.Text}' is not supported by the Cloud Run test server (it understands comparisons joined by AND)");
            }

            if (i + 2 >= tokens.Count || tokens[i + 1].Kind != TokenKind.Operator || tokens[i + 2].Kind is TokenKind.Operator or TokenKind.Paren)
            {
                throw Invalid(filter!, $"'{token.Text}' is not a comparison (a bare word searches every field, which the test server does not do)");
            }

            terms.Add(Term(filter!, token.Text, tokens[i + 1].Text, tokens[i + 2].Text, project, region));
            i += 3;
        }

        return new LogFilter(terms);
    }

    private static Func<LogState, bool> Term(string filter, string field, string op, string value, string project, string region)
    {
        switch (field)
        {
            case "resource.type":
                return Text(filter, field, op, value, _ => "cloud_run_revision");
            case "logName":
                return Text(filter, field, op, value, e => e.LogName);
            case "textPayload":
                return Text(filter, field, op, value, e => e.Text);
            case "timestamp":
                if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                {
                    throw Invalid(filter, $"timestamp value '{value}' is not an RFC 3339 time");
                }

                return Ordered(filter, field, op, e => e.Timestamp.CompareTo(at));
            case "severity":
                var level = Array.IndexOf(Severities, value.ToUpperInvariant());
                if (level < 0)
                {
                    throw Invalid(filter, $"severity value '{value}' is not a LogSeverity ({string.Join(", ", Severities)})");
                }

                return Ordered(filter, field, op, e => Array.IndexOf(Severities, e.Severity).CompareTo(level));
            default:
                if (field.StartsWith("resource.labels.", StringComparison.Ordinal) && Labels.Contains(field["resource.labels.".Length..]))
                {
                    var label = field["resource.labels.".Length..];
                    return Text(filter, field, op, value, e => label switch
                    {
                        "service_name" or "configuration_name" => e.Service,
                        "revision_name" => e.Revision,
                        "location" => region,
                        _ => project,
                    });
                }

                throw Invalid(filter, $"the field '{field}' is not one the Cloud Run test server filters on");
        }
    }

    // ":" is Logging's "has": a case-insensitive substring match.
    private static Func<LogState, bool> Text(string filter, string field, string op, string value, Func<LogState, string> read) => op switch
    {
        "=" => e => read(e) == value,
        "!=" => e => read(e) != value,
        ":" => e => read(e).Contains(value, StringComparison.OrdinalIgnoreCase),
        _ => throw Invalid(filter, $"'{field}{op}' compares text by order, which the test server does not do"),
    };

    private static Func<LogState, bool> Ordered(string filter, string field, string op, Func<LogState, int> compare) => op switch
    {
        "=" => e => compare(e) == 0,
        "!=" => e => compare(e) != 0,
        ">" => e => compare(e) > 0,
        ">=" => e => compare(e) >= 0,
        "<" => e => compare(e) < 0,
        "<=" => e => compare(e) <= 0,
        _ => throw Invalid(filter, $"'{field}{op}' is not a comparison the test server understands for {field}"),
    };

    private static GoogleErrorException Invalid(string filter, string why) =>
        new(GoogleError.InvalidArgument($"Unparseable filter: {why}: {filter}"));

    private enum TokenKind
    {
        Word,
        Quoted,
        Operator,
        Paren,
    }

    private sealed record Token(TokenKind Kind, string Text);

    private static List<Token> Lex(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '"')
            {
                var value = new StringBuilder();
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    value.Append(text[i]);
                    i++;
                }

                if (i >= text.Length)
                {
                    throw Invalid(text, "a quoted string is not closed");
                }

                i++;
                tokens.Add(new Token(TokenKind.Quoted, value.ToString()));
            }
            else if (c is '(' or ')')
            {
                tokens.Add(new Token(TokenKind.Paren, c.ToString()));
                i++;
            }
            else if (c is '=' or ':' or '<' or '>' or '!')
            {
                var two = i + 1 < text.Length ? text.Substring(i, 2) : string.Empty;
                if (two is ">=" or "<=" or "!=" or "=~" or "!~")
                {
                    if (two is "=~" or "!~")
                    {
                        throw Invalid(text, "regular expressions (=~, !~) are not supported by the test server");
                    }

                    tokens.Add(new Token(TokenKind.Operator, two));
                    i += 2;
                }
                else if (c == '!')
                {
                    throw Invalid(text, "a lone '!' is not an operator");
                }
                else
                {
                    tokens.Add(new Token(TokenKind.Operator, c.ToString()));
                    i++;
                }
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('"' or '(' or ')' or '=' or ':' or '<' or '>' or '!'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Word, text[start..i]));
            }
        }

        return tokens;
    }
}
