using System.Collections.Frozen;
using Runbook.Cli.Composition;
using Runbook.Cli.Configuration;
using Runbook.Execution.Actions;
using Runbook.Execution.Approvals;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
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
    /// plain lines otherwise, JSON events with --format json.
    /// </summary>
    public static (ExecutorServices Services, Func<Func<Task<RunResult>>, Task<RunResult>> Show) Services(
        IJournal journal, CliConsole console, SessionOptions options, SecretMasker masker, HttpClient http, StepGraph graph)
    {
        var config = RunbookConfig.Load(options.ConfigPath, console.WorkingDirectory);
        var tree = options.Interactive && options.Format == "text" ? new TerminalRunObserver(graph, AnsiConsole.Console) : null;
        IRunObserver observer = options.Format == "json" ? new JsonRunObserver(console.Out)
            : tree is not null ? tree
            : new PlainRunObserver(console.Out, console.Color);
        IApprovalChannel approvals = options.Interactive
            ? new TerminalApprovalChannel(Console.In, console.Error, tree)
            : new NonInteractiveApprovalChannel();
        var services = new ExecutorServices(
            journal,
            Providers.Catalog,
            BuiltinActionRegistry.Create().ToFrozenDictionary(a => a.Name, StringComparer.Ordinal),
            observer,
            approvals,
            new ApproverDirectory(config.Groups),
            masker,
            TimeProvider.System,
            http,
            console.WorkingDirectory);
        return (services, run => tree is null ? run() : tree.ShowAsync(run));
    }

    public static bool IsInteractive(CliConsole console) =>
        console == CliConsole.System && !Console.IsInputRedirected && !Console.IsOutputRedirected;
}
