using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Language.Actions;

namespace Runbook.Providers.Compose;

/// <summary>Docker Compose: the service interface through the compose CLI, plus service.exec (compose exec -T) and its alias compose.exec.</summary>
public sealed class ComposeProvider : IPlatformProvider
{
    public static ProviderDescriptor Describe { get; } = new(
        "compose",
        "Docker Compose through the docker compose (v2) or docker-compose (v1) CLI.",
        [
            ServiceActions.Exec with { Name = "compose.exec", Summary = "Alias of service.exec (kept for existing playbooks): a command in a service's container." },
        ],
        [.. ServiceActions.All.Select(a => a.Name)],
        ImmutableDictionary.CreateRange(new Dictionary<string, string>
        {
            ["service.describe"] = "docker compose ps {service} + docker inspect",
            ["service.history"] = "images {service} ran before (recorded by runbook)",
            ["service.logs"] = "docker compose logs --tail={tail} {service}",
            ["service.scale"] = "docker compose up -d --scale {service}={replicas}",
            ["service.restart"] = "docker compose restart {service}",
            ["service.deploy"] = "docker compose up -d {service} with image {image} (override file)",
            ["service.rollback"] = "docker compose up -d {service} with image {to} (the previous image when not named)",
            ["service.wait"] = "poll docker compose ps {service} until running and healthy (timeout {timeout})",
            ["service.exec"] = "docker compose exec -T {service} {command} (stdin piped)",
        }));

    public ProviderDescriptor Descriptor => Describe;

    public IReadOnlyList<(string Key, string Meaning, string? Default)> Settings { get; } =
    [
        ("file", "the compose file", "docker-compose.yml"),
        ("project", "the compose project name", "the compose file's folder name"),
        ("state_dir", "where runbook keeps image history and its override file", ".runbook/compose/<project> beside the compose file"),
    ];

    public IReadOnlyList<IStepAction> CreateActions(ProviderSettings settings)
    {
        var file = Path.GetFullPath(settings.Get("file") ?? "docker-compose.yml", settings.WorkingDirectory);
        var directory = Path.GetDirectoryName(file)!;
        var project = settings.Get("project") ?? Path.GetFileName(directory).ToLowerInvariant();
        var history = new ComposeHistory(settings.Get("state_dir") is { } dir
            ? Path.GetFullPath(dir, settings.WorkingDirectory)
            : Path.Combine(directory, ".runbook", "compose", project));
        var cli = new ComposeCli(file, history.OverrideFile, project, directory);
        return [.. ServiceStepActions.Over(new ComposeBackend(cli, history), settings), new ComposeExecAction(cli, settings, ServiceActions.ExecName), new ComposeExecAction(cli, settings, "compose.exec")];
    }
}
