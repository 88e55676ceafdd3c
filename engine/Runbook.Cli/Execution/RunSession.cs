using System.Collections.Frozen;
using Runbook.Cli.Composition;
using Runbook.Cli.Configuration;
using Runbook.Execution.Actions;
using Runbook.Execution.Approvals;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Providers;
using System.Collections.Immutable;
using Runbook.Execution.Secrets;
using Runbook.Language.Graph;
using Spectre.Console;

namespace Runbook.Cli.Execution;

/// <summary>Options every command that touches runs shares.</summary>
internal sealed record SessionOptions(string? JournalUrl, string? ConfigPath, string Format, bool Interactive);

/// <summary>Opens the journal and assembles what the executor needs for one command.</summary>
internal static class RunSession
{
    public static async Task<IJournal> OpenJournalAsync(string? url, CancellationToken cancellationToken)
    {
        url ??= Environment.GetEnvironmentVariable("RUNBOOK_JOURNAL") is { Length: > 0 } fromEnv ? fromEnv : null;
        try
        {
            return await JournalFactory.OpenAsync(url, Environment.GetEnvironmentVariable("RUNBOOK_HOME"), TimeProvider.System, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (JournalException ex)
        {
            throw new UsageException(ex.Message);
        }
    }

    /// <summary>
    /// The executor's services for one command, and how to run it on screen: a live tree on a terminal,
    /// plain lines otherwise, JSON events with --format json. Approver groups come from the config unless
    /// given (a journaled run's own, see <see cref="RunLookup.Approvers"/>).
    /// </summary>
    public static (ExecutorServices Services, Func<Func<Task<RunResult>>, Task<RunResult>> Show) Services(
        IJournal journal, CliConsole console, SessionOptions options, SecretMasker masker, HttpClient http, StepGraph graph, ProviderSettings settings,
        ApproverDirectory? approvers = null)
    {
        var config = RunbookConfig.Load(options.ConfigPath, console.WorkingDirectory);
        approvers ??= new ApproverDirectory(config.Groups);
        var tree = options.Interactive && options.Format == "text" ? new TerminalRunObserver(graph, AnsiConsole.Console) : null;
        IRunObserver observer = options.Format == "json" ? new JsonRunObserver(console.Out)
            : tree is not null ? tree
            : new PlainRunObserver(console.Out, console.Color);
        IApprovalChannel approvals = options.Interactive
            ? new TerminalApprovalChannel(Console.In, console.Error, tree)
            : new NonInteractiveApprovalChannel();
        var services = new ExecutorServices(
            journal,
            ProviderRegistry.Catalog,
            Actions(settings),
            observer,
            approvals,
            approvers,
            masker,
            TimeProvider.System,
            http,
            console.WorkingDirectory)
        {
            TemplateDirectories = config.Templates,
        };
        return (services, run => tree is null ? run() : tree.ShowAsync(run));
    }

    /// <summary>The built-in actions and those of the run's provider, when it executes here.</summary>
    private static FrozenDictionary<string, IStepAction> Actions(ProviderSettings settings)
    {
        var actions = BuiltinActionRegistry.Create().ToDictionary(a => a.Name, StringComparer.Ordinal);
        foreach (var action in ProviderRegistry.Platform(settings.Provider)?.CreateActions(settings) ?? [])
        {
            actions[action.Name] = action;
        }

        return actions.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>A provider's settings: the environment's from runbook.yaml, then --set pairs.</summary>
    public static ProviderSettings Settings(string provider, EnvironmentConfig? environment, IEnumerable<string>? pairs, string workingDirectory)
    {
        var values = (environment?.Settings ?? ImmutableDictionary<string, string>.Empty).ToBuilder();
        foreach (var (key, value) in Commands.PlaybookArguments.ParseInputs(pairs, "--set"))
        {
            values[key] = value;
        }

        return new ProviderSettings(provider, values.ToImmutable(), environment?.Services ?? ImmutableDictionary<string, string>.Empty, workingDirectory);
    }

    /// <summary>The settings a run was started with, as its journal recorded them.</summary>
    public static ProviderSettings Settings(RunState state, string workingDirectory) => new(
        state.Provider,
        state.Settings.ToImmutableDictionary(s => s.Key, s => Runbook.Execution.Actions.Values.ToText(s.Value)),
        state.ServiceNames.ToImmutableDictionary(s => s.Key, s => Runbook.Execution.Actions.Values.ToText(s.Value)),
        workingDirectory);

    public static bool IsInteractive(CliConsole console) =>
        console == CliConsole.System && !Console.IsInputRedirected && !Console.IsOutputRedirected;
}
