using Runbook.Cli.Composition;
using Runbook.Cli.Rendering;
using Runbook.Execution.Actions.Files;
using Runbook.Language;
using Runbook.Language.Actions;
using Runbook.Language.Model;

namespace Runbook.Cli.Commands;

/// <summary>
/// What a playbook needs of a provider, with every sub-playbook it names by a literal <c>playbook.run</c> path: checked by
/// <c>exec</c> before it opens the journal, takes a lock or runs a step. With a provider, each sub-playbook is checked as
/// <c>validate --provider</c> checks the playbook itself (RB0307 and every other error). Without one, no step may use a
/// service action or a provider's own action.
/// </summary>
internal static class ProviderRequirements
{
    /// <summary>The name a run without a provider is journaled under; not a provider anyone can choose.</summary>
    public const string None = "none";

    /// <summary>What refuses the run, ready to print; empty when it may start.</summary>
    public static string Problems(LoadedPlaybook root, ProviderDescriptor? provider, bool color)
    {
        var problems = new System.Text.StringBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal) { Path.GetFullPath(root.Path) };
        var queue = new Queue<LoadedPlaybook>([root]);
        while (queue.TryDequeue(out var playbook))
        {
            foreach (var (step, action) in Actions(playbook.Playbook!))
            {
                if (provider is null && NeedsProvider(action.Name))
                {
                    problems.Append($"{action.Span}: error: step '{step.Id}' uses '{action.Name}', which runs on a provider\n"
                        + $"   = fix: choose where to run: --provider NAME or --env NAME (an environment in runbook.yaml)\n");
                }

                if (action.Name == "playbook.run" && action.Find("path")?.Value is ScalarArgument { Text.IsLiteral: true } path)
                {
                    var child = Load(playbook, path, provider, problems);
                    if (child is not null && seen.Add(Path.GetFullPath(child.Path)))
                    {
                        if (provider is not null && ProviderClaims.NotFor(child, provider) is { } notFor)
                        {
                            problems.Append($"{path.Span}: error: the playbook it runs is not for {provider.Name}: {notFor.Reason}\n"
                                + $"   = fix: run this playbook on a provider both are for, or make '{path.Text.Raw}' one for {provider.Name}\n");
                        }
                        else if (child.IsValid)
                        {
                            queue.Enqueue(child);
                        }
                        else
                        {
                            problems.Append($"{path.Span}: error: the playbook it runs is not valid{(provider is null ? string.Empty : $" on {provider.Name}")}:\n");
                            problems.Append(DiagnosticText.Render([child], color));
                        }
                    }
                }
            }
        }

        return problems.ToString();
    }

    private static LoadedPlaybook? Load(LoadedPlaybook parent, ScalarArgument path, ProviderDescriptor? provider, System.Text.StringBuilder problems)
    {
        try
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(parent.Path)) ?? ".";
            var (text, file) = ContainedFile.ReadText(path.Text.Raw, [folder], "playbook");
            return PlaybookLoader.Load(file, System.Text.Encoding.UTF8.GetBytes(text), ProviderRegistry.Catalog, provider);
        }
        catch (ContainedFileException ex)
        {
            problems.Append($"{path.Span}: error: {ex.Message}\n");
            return null;
        }
    }

    /// <summary>Every action a playbook runs: its steps' and their compensations'.</summary>
    private static IEnumerable<(Step Step, UsesAction Action)> Actions(Playbook playbook)
    {
        foreach (var step in playbook.Steps)
        {
            if (step.Action is UsesAction uses)
            {
                yield return (step, uses);
            }

            if (step.Rollback?.Action is UsesAction undo)
            {
                yield return (step, undo);
            }
        }
    }

    private static bool NeedsProvider(string action) =>
        ProviderRegistry.Catalog.FindAction(action) is { } descriptor
        && (descriptor.IsServiceAction || ProviderRegistry.Catalog.Providers.Any(p => p.OwnActions.Any(a => a.Name == action)));
}
