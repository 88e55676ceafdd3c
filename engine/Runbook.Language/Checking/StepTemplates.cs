using Runbook.Language.Expressions;
using Runbook.Language.Model;

namespace Runbook.Language.Checking;

/// <summary>Where a string value stands, for rules that care (a secret printed in a message, say).</summary>
internal sealed record TemplatePlace(string Description, Predicate<ExpressionPart> Prints, string Fix)
{
    /// <summary>Text a notification sends to people outside the run (RB0315 when a secret flows into it).</summary>
    public bool Notifies { get; init; }

    public static readonly TemplatePlace Quiet = new("a value", _ => false, string.Empty);
}

/// <summary>Every string value of a step that may hold expressions, with its place.</summary>
internal static class StepTemplates
{
    private static readonly HashSet<string> PrintedArguments = new(StringComparer.Ordinal)
    {
        "text", "message", "summary", "title", "url", "source", "condition",
    };

    /// <summary>Arguments of notify.* that deliver the notification (credentials, settings), not text people read.</summary>
    private static readonly HashSet<string> NotificationDelivery = new(StringComparer.Ordinal)
    {
        "webhook", "url", "routing_key", "headers", "fail_on_error", "event_action", "template",
    };

    public static IEnumerable<(TemplateString Template, TemplatePlace Place)> Of(Step step)
    {
        if (step.If is { } condition)
        {
            yield return (condition, TemplatePlace.Quiet);
        }

        if (step.Approval?.Message is { } message)
        {
            yield return (message, new TemplatePlace("an approval message", _ => true, "approvers need no secret; describe the change instead"));
        }

        foreach (var item in Of(step.Action))
        {
            yield return item;
        }
    }

    public static IEnumerable<(TemplateString Template, TemplatePlace Place)> Of(StepAction action)
    {
        switch (action)
        {
            case RunAction run:
                yield return (run.Script, ScriptPlace(run.Script));
                if (run.WorkingDirectory is { } dir)
                {
                    yield return (dir, TemplatePlace.Quiet);
                }

                foreach (var env in run.Environment)
                {
                    foreach (var t in env.Value.Templates())
                    {
                        yield return (t, TemplatePlace.Quiet);
                    }
                }

                break;
            case UsesAction uses:
                foreach (var argument in uses.With)
                {
                    var notify = uses.Name.StartsWith("notify.", StringComparison.Ordinal);
                    var place = notify && !NotificationDelivery.Contains(argument.Name)
                        ? new TemplatePlace($"'{argument.Name}' of {uses.Name}", _ => false,
                            "a notification needs no secret: describe the change instead, and pass credentials only in webhook, routing_key, headers or url")
                        { Notifies = true }
                        : notify || PrintedArguments.Contains(argument.Name)
                        ? new TemplatePlace($"'{argument.Name}' of {uses.Name}", _ => PrintedArguments.Contains(argument.Name),
                            "pass the secret in an argument meant for it (webhook, routing_key, headers, connection), never in text or URLs")
                        : TemplatePlace.Quiet;
                    foreach (var t in argument.Value.Templates())
                    {
                        yield return (t, place);
                    }
                }

                break;
        }
    }

    /// <summary>A script prints a value when the line holding the expression echoes or prints.</summary>
    private static TemplatePlace ScriptPlace(TemplateString script) =>
        new("a line of the script that prints it", expression => IsPrintingLine(LineAt(script.Raw, expression.Offset)),
            "the engine masks it, but do not echo secrets: pass it to the command that needs it");

    private static string LineAt(string text, int offset)
    {
        var start = text.LastIndexOf('\n', Math.Max(0, Math.Min(offset, text.Length) - 1)) + 1;
        var end = text.IndexOf('\n', Math.Min(offset, text.Length));
        return text[start..(end < 0 ? text.Length : end)];
    }

    private static bool IsPrintingLine(string line)
    {
        var command = line.TrimStart();
        return command.StartsWith("echo ", StringComparison.Ordinal) || command.StartsWith("printf ", StringComparison.Ordinal)
            || command.Contains("| tee", StringComparison.Ordinal);
    }
}
