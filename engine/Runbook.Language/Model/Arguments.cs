using System.Collections.Immutable;
using Runbook.Language.Expressions;
using Runbook.Language.Text;

namespace Runbook.Language.Model;

/// <summary>A named value: an action argument (<c>with:</c>) or an environment variable.</summary>
public sealed record Argument(string Name, SourceSpan Span, ArgumentValue Value);

public enum ScalarKind
{
    String,
    Number,
    Boolean,
    Null,
}

/// <summary>An argument value as written: a scalar (possibly with expressions), a list or a mapping.</summary>
public abstract record ArgumentValue(SourceSpan Span)
{
    public IEnumerable<TemplateString> Templates() => this switch
    {
        ScalarArgument s => [s.Text],
        ListArgument l => l.Items.SelectMany(i => i.Templates()),
        MapArgument m => m.Entries.SelectMany(e => e.Value.Templates()),
        _ => [],
    };

    /// <summary>The value as written, expressions unevaluated.</summary>
    public string Raw => this switch
    {
        ScalarArgument s => s.Text.Raw,
        ListArgument l => "[" + string.Join(", ", l.Items.Select(i => i.Raw)) + "]",
        MapArgument m => "{" + string.Join(", ", m.Entries.Select(e => $"{e.Name}: {e.Value.Raw}")) + "}",
        _ => string.Empty,
    };
}

public sealed record ScalarArgument(SourceSpan Span, TemplateString Text, ScalarKind Kind) : ArgumentValue(Span);

public sealed record ListArgument(SourceSpan Span, ImmutableArray<ArgumentValue> Items) : ArgumentValue(Span);

public sealed record MapArgument(SourceSpan Span, ImmutableArray<Argument> Entries) : ArgumentValue(Span);
