using System.Collections.Immutable;
using System.CommandLine;
using System.Text.Json;
using Runbook.Cli.Composition;
using Runbook.Cli.Configuration;
using Runbook.Cli.Execution;
using Runbook.Execution.Engine;
using Runbook.Execution.Secrets;
using Runbook.Language;
using Runbook.Language.Diagnostics;
using Runbook.Language.Inputs;
using Runbook.Language.Planning;

namespace Runbook.Cli.Commands;

internal static class ExecCommand
{
    public static Command Create(CliConsole console)
    {
        var file = PlaybookArguments.File();
        var provider = CommonOptions.Provider(required: false);
        var environment = new Option<string>("--env", "-e") { Description = "A named environment from runbook.yaml (its provider and settings).", HelpName = "name" };
        var inputs = PlaybookArguments.Inputs();
        var inputsFile = new Option<string>("--inputs-file") { Description = "A YAML or JSON file of input values (--input wins).", HelpName = "file" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Run read-only steps for real; for mutating steps only show what they would do." };
        var approve = new Option<string[]>("--approve") { Description = "Pre-approve a gated step (journaled as such); repeatable.", HelpName = "step" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Pre-approve every gate you are allowed to approve." };
        var journal = Shared.Journal();
        var config = Shared.Config();
        var maxParallel = new Option<int>("--max-parallel") { Description = "Most steps running at once in a parallel phase.", DefaultValueFactory = _ => 4 };
        var format = CommonOptions.Format("Output: text (live lines), json (one event per line, schemas/events.schema.json).", "text", "json");
        var planFile = new Option<string>("--plan") { Description = "Run only if playbook, inputs and provider still match this reviewed plan (from 'runbook plan --out').", HelpName = "plan.json" };
        var rollbackOnInterrupt = new Option<bool>("--rollback-on-interrupt") { Description = "On Ctrl-C, run the compensations of completed steps." };
        var set = new Option<string[]>("--set") { Description = "A provider setting as key=value (over the environment's), e.g. --set file=compose.yml.", HelpName = "key=value" };

        var command = new Command("exec", "Run a playbook: phases in order, approvals, retries, rollback on failure; every state change journaled. "
            + "Exit 0 success, 1 failed and rolled back, 2 invalid, 3 awaiting approval or denied, 4 rollback incomplete, 130 interrupted.")
        {
            file, provider, environment, inputs, inputsFile, dryRun, approve, yes, journal, config, maxParallel, format, planFile, rollbackOnInterrupt, set,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var configuration = RunbookConfig.Load(parse.GetValue(config), console.WorkingDirectory);
            var chosen = ResolveProviderName(parse.GetValue(provider), parse.GetValue(environment), configuration);
            var target = CommonOptions.ResolveProvider(chosen);
            var providerName = chosen ?? ProviderRequirements.None;
            var given = parse.GetValue(inputsFile) is { } path ? InputSources.ReadFile(path) : [];
            foreach (var (k, v) in PlaybookArguments.ParseInputs(parse.GetValue(inputs)))
            {
                given[k] = v;
            }

            var loaded = PlaybookArguments.LoadValid(parse.GetRequiredValue(file), target, console, refuseIfNotFor: true);
            if (loaded is null)
            {
                return ExitCodes.Invalid;
            }

            // Refuse before the journal, a lock or a step: every action must run on the chosen provider (or need none),
            // in this playbook and in each one it runs.
            if (ProviderRequirements.Problems(loaded, target, console.Color) is { Length: > 0 } problems)
            {
                console.Error.Write(problems);
                return ExitCodes.Invalid;
            }

            var values = BindInputs(loaded, given, console);
            if (values is null)
            {
                return ExitCodes.Invalid;
            }

            if (parse.GetValue(planFile) is not null && target is null)
            {
                throw new UsageException("--plan: a reviewed plan was made for a provider; run it with the same --provider or --env");
            }

            if (parse.GetValue(planFile) is { } plan && CheckPlan(plan, loaded, values, providerName) is { } mismatch)
            {
                console.Error.WriteLine($"runbook: {mismatch}");
                return ExitCodes.Invalid;
            }

            var options = new SessionOptions(parse.GetValue(journal), parse.GetValue(config), parse.GetRequiredValue(format), RunSession.IsInteractive(console));
            await using var store = await RunSession.OpenJournalAsync(options.JournalUrl, cancellationToken).ConfigureAwait(false);
            using var http = new HttpClient();
            using var interrupts = new Interrupts(console.Error);
            var settings = RunSession.Settings(providerName, parse.GetValue(environment) is { } env ? configuration.Environments[env] : null,
                parse.GetValue(set), console.WorkingDirectory);
            var (services, show) = RunSession.Services(store, console, options, new SecretMasker(), http, loaded.Graph!, settings);
            var request = new RunRequest(loaded, providerName, values, Identity.Current, parse.GetValue(dryRun),
                [.. parse.GetValue(approve) ?? []], parse.GetValue(yes), parse.GetValue(maxParallel), parse.GetValue(rollbackOnInterrupt),
                Settings: settings.Values, ServiceNames: settings.ServiceNames);
            var result = await show(() => Executor.StartAsync(services, request, interrupts.Token)).ConfigureAwait(false);
            return result.ExitCode;
        });
        return command;
    }

    /// <summary>The provider --provider or --env names; null when neither is given (a playbook that needs no provider).</summary>
    internal static string? ResolveProviderName(string? provider, string? environment, RunbookConfig config)
    {
        if (environment is not null)
        {
            if (!config.Environments.TryGetValue(environment, out var env))
            {
                throw new UsageException(config.Path is null
                    ? $"--env {environment}: there is no runbook.yaml here (or pass --config FILE)"
                    : $"--env {environment}: {config.Path} defines no environment '{environment}' (it has: {string.Join(", ", config.Environments.Keys)})");
            }

            return provider ?? env.Provider;
        }

        return provider;
    }

    /// <summary>Typed inputs with secrets read from their sources; every problem printed at once, null if any.</summary>
    internal static ImmutableDictionary<string, object?>? BindInputs(LoadedPlaybook loaded, IReadOnlyDictionary<string, string> given, CliConsole console)
    {
        var diagnostics = new DiagnosticBag();
        var values = InputValues.Bind(loaded.Playbook!, given, diagnostics, InputSources.ResolveSecret);
        foreach (var secret in loaded.Playbook!.Inputs.Where(i => i.IsSecret && values.ContainsKey(i.Name)))
        {
            if (Runbook.Execution.Actions.Values.ToText(values[secret.Name]).Length < SecretMasker.MinimumLength)
            {
                diagnostics.Add(Descriptors.InvalidInput, secret.Span, $"secret input '{secret.Name}' is shorter than {SecretMasker.MinimumLength} characters and could not be masked reliably",
                    "use a real secret value");
            }
        }

        if (!diagnostics.HasErrors)
        {
            return values;
        }

        foreach (var d in diagnostics.Items.Where(d => d.IsError))
        {
            console.Error.WriteLine($"runbook: {d.Message} ({d.Fix})");
        }

        return null;
    }

    /// <summary>Null when the reviewed plan still matches; otherwise what changed since it was reviewed.</summary>
    private static string? CheckPlan(string path, LoadedPlaybook loaded, ImmutableDictionary<string, object?> values, string provider)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"plan file '{path}' does not exist");
        }

        JsonElement hashes;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            hashes = doc.RootElement.GetProperty("plan").GetProperty("hashes").Clone();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new UsageException($"'{path}' is not a plan file written by 'runbook plan --out'");
        }

        var current = Planner.Build(loaded, ProviderRegistry.Catalog, ProviderRegistry.Catalog.FindProvider(provider)!, values).Hashes;
        var changed = new List<string>();
        if (hashes.GetProperty("playbook").GetString() != current.Playbook)
        {
            changed.Add("the playbook");
        }

        if (hashes.GetProperty("inputs").GetString() != current.Inputs)
        {
            changed.Add("the inputs");
        }

        if (hashes.GetProperty("provider").GetString() != current.Provider)
        {
            changed.Add("the provider");
        }

        return changed.Count == 0 ? null
            : $"refusing to run: {string.Join(" and ", changed)} changed since the plan in '{path}' was reviewed; make and review a new plan";
    }
}

/// <summary>Options several run commands share.</summary>
internal static class Shared
{
    public static Option<string> Journal() => new("--journal")
    {
        Description = "Journal location: a SQLite file path or postgres://user@host/db (default: RUNBOOK_JOURNAL, else $RUNBOOK_HOME/journal.db).",
        HelpName = "url",
    };

    public static Option<string> Config() => new("--config") { Description = "Configuration file (default: ./runbook.yaml).", HelpName = "file" };
}
