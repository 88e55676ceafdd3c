using System.Collections.Immutable;
using Runbook.Import.Internal.Shell;
using Runbook.Language.Actions;

namespace Runbook.Import.Internal.Mapping;

/// <summary>
/// Recognises the platform commands a provider action covers (aws ecs, az containerapp, gcloud run, kubectl,
/// docker-compose). A command is mapped only when every option in it is one the mapping understands and the shell
/// does nothing beyond running it (no pipes, redirections or expansions); anything else stays a <c>run:</c> step.
/// </summary>
internal static class CommandMapper
{
    /// <summary>The platform a command's program belongs to, or null for a generic tool.</summary>
    public static string? Platform(ShellWords words)
    {
        if (words.Count == 0)
        {
            return null;
        }

        return words[0] switch
        {
            "aws" => "aws",
            "az" => "azure",
            "gcloud" => "gcp",
            "kubectl" or "helm" => "kubernetes",
            "docker-compose" => "compose",
            "docker" when words.Count > 1 && words[1] == "compose" => "compose",
            _ => null,
        };
    }

    public static ActionCall? Map(ShellWords words, ActionCatalog catalog)
    {
        if (words.HasShellSyntax || words.Count < 2)
        {
            return null;
        }

        return words[0] switch
        {
            "aws" => Aws(words),
            "az" => Azure(words),
            "gcloud" => Gcp(words),
            "kubectl" => Kubectl(words, catalog),
            "docker-compose" => Compose(words, 1),
            "docker" when words[1] == "compose" => Compose(words, 2),
            _ => null,
        };
    }

    private static bool OnlyFlags(ShellWords words, params string[] allowed) => words.Flags.All(allowed.Contains);

    private static bool IsWholeNumber(string value) => value.Length is > 0 and < 10 && value.All(char.IsAsciiDigit);

    private static ImmutableArray<string> Values(ImmutableArray<ShellWord> words) => [.. words.Select(w => w.Value)];

    private static ImmutableArray<PlatformSetting> Settings(ShellWords words, string provider, params (string Flag, string Name)[] flags) =>
        [.. flags.Select(f => (f.Name, Word: words.Option(f.Flag))).Where(x => x.Word is not null).Select(x => new PlatformSetting(provider, x.Name, x.Word!.Value))];

    private static ActionCall? Aws(ShellWords w)
    {
        string[] valued = ["--cluster", "--service", "--services", "--region", "--profile", "--desired-count", "--task-definition", "--output"];
        var verb = Values(w.Positionals(valued));
        var settings = Settings(w, "aws", ("--cluster", "cluster"), ("--region", "region"), ("--profile", "profile"));
        if (verb.SequenceEqual(["aws", "ecs", "describe-services"]) && OnlyFlags(w, "--cluster", "--services", "--region", "--profile", "--output")
            && OneServiceAfter(w, "--services") is { } described)
        {
            return new ActionCall("service.describe", [new("service", ValueKind.Service, described)], settings);
        }

        if (!verb.SequenceEqual(["aws", "ecs", "update-service"]) || w.Option("--service") is not { } service)
        {
            return null;
        }

        ArgumentSource name = new("service", ValueKind.Service, service.Value);
        string[] common = ["--cluster", "--service", "--region", "--profile", "--output", "--no-cli-pager"];
        if (w.Option("--desired-count") is { } count && IsWholeNumber(count.Value) && OnlyFlags(w, [.. common, "--desired-count"]))
        {
            return new ActionCall("service.scale", [name, new("replicas", ValueKind.Replicas, count.Value)], settings);
        }

        if (w.Option("--task-definition") is { } definition && definition.Value.LastIndexOf(':') is var colon and > 0
            && OnlyFlags(w, [.. common, "--task-definition"]))
        {
            return new ActionCall("service.rollback", [name, new("to", ValueKind.Revision, definition.Value[(colon + 1)..])], settings,
                $"the runbook names task definition {definition.Value}; service.rollback goes to that revision of the service's family");
        }

        if (w.Has("--force-new-deployment") && OnlyFlags(w, [.. common, "--force-new-deployment"]))
        {
            return new ActionCall("service.restart", [name], settings);
        }

        return null;
    }

    /// <summary>The value of a list option (<c>--services a b</c>) when it names exactly one item.</summary>
    private static string? OneServiceAfter(ShellWords w, string flag)
    {
        var at = w.Words.IndexOf(w.Words.FirstOrDefault(x => x.Value == flag)!);
        return at >= 0 && at + 1 < w.Count && (at + 2 >= w.Count || w[at + 2].StartsWith('-')) ? w[at + 1] : null;
    }

    private static ActionCall? Azure(ShellWords w)
    {
        string[] valued = ["--name", "-n", "--resource-group", "-g", "--image", "--min-replicas", "--max-replicas", "--revision", "--tail", "--subscription", "--output", "-o"];
        var verb = Values(w.Positionals(valued));
        if (verb.Length < 3 || verb[1] != "containerapp" || w.Option("--name", "-n") is not { } app)
        {
            return null;
        }

        var settings = Settings(w, "azure", ("--resource-group", "resource_group"), ("-g", "resource_group"), ("--subscription", "subscription"));
        ArgumentSource name = new("service", ValueKind.Service, app.Value);
        string[] common = ["--name", "-n", "--resource-group", "-g", "--subscription", "--output", "-o"];
        var rest = verb.Length == 3 ? verb[2] : verb.Length == 4 ? verb[2] + " " + verb[3] : string.Empty;
        switch (rest)
        {
            case "show" when OnlyFlags(w, common):
                return new ActionCall("service.describe", [name], settings);
            case "revision list" when OnlyFlags(w, common):
                return new ActionCall("service.history", [name], settings);
            case "update" when w.Option("--image") is { } image && OnlyFlags(w, [.. common, "--image"]):
                return new ActionCall("service.deploy", [name, new("image", ValueKind.Image, image.Value)], settings);
            case "update" when OnlyFlags(w, [.. common, "--min-replicas", "--max-replicas"])
                && (w.Option("--min-replicas") ?? w.Option("--max-replicas")) is { } replicas && IsWholeNumber(replicas.Value):
                return new ActionCall("service.scale", [name, new("replicas", ValueKind.Replicas, replicas.Value)], settings,
                    $"the runbook sets --min-replicas {w.Option("--min-replicas")?.Value ?? "-"} --max-replicas {w.Option("--max-replicas")?.Value ?? "-"}; service.scale sets one replica count");
            case "revision activate" when w.Option("--revision") is { } revision && OnlyFlags(w, [.. common, "--revision"]):
                return new ActionCall("service.rollback", [name, new("to", ValueKind.Revision, revision.Value)], settings);
            case "revision restart" when OnlyFlags(w, [.. common, "--revision"]):
                return new ActionCall("service.restart", [name], settings,
                    w.Option("--revision") is { } r ? $"the runbook restarts revision {r.Value}; service.restart restarts the active one" : null);
            case "logs show" when OnlyFlags(w, [.. common, "--tail", "--follow"]):
                return new ActionCall("service.logs", [name, .. Tail(w.Option("--tail"))], settings,
                    w.Has("--follow") ? "the runbook follows the log (--follow); service.logs reads the last lines once" : null);
            default:
                return null;
        }
    }

    private static ImmutableArray<ArgumentSource> Tail(ShellWord? word) =>
        word is not null && IsWholeNumber(word.Value) ? [new ArgumentSource("tail", ValueKind.Count, word.Value)] : [];

    private static ActionCall? Gcp(ShellWords w)
    {
        string[] valued = ["--region", "--project", "--image", "--max-instances", "--min-instances", "--to-revisions", "--limit", "--platform", "--service", "--format"];
        var verb = Values(w.Positionals(valued));
        var settings = Settings(w, "gcp", ("--region", "region"), ("--project", "project"));
        string[] common = ["--region", "--project", "--platform", "--format", "--quiet"];
        if (verb.Length == 4 && verb[1] == "run" && verb[2] == "deploy" && w.Option("--image") is { } deployed && OnlyFlags(w, [.. common, "--image"]))
        {
            return new ActionCall("service.deploy", [new("service", ValueKind.Service, verb[3]), new("image", ValueKind.Image, deployed.Value)], settings);
        }

        var beta = verb.Length > 1 && verb[1] is "beta" or "alpha" ? 1 : 0;
        verb = [verb[0], .. verb.Skip(1 + beta)];
        if (verb.Length < 4 || verb[1] != "run" || verb[2] != "services")
        {
            return null;
        }

        var rest = string.Join(' ', verb.Skip(3).Take(verb.Length - 4));
        ArgumentSource name = new("service", ValueKind.Service, verb[^1]);
        switch (rest)
        {
            case "describe" when OnlyFlags(w, common):
                return new ActionCall("service.describe", [name], settings);
            case "update" when w.Option("--image") is { } image && OnlyFlags(w, [.. common, "--image"]):
                return new ActionCall("service.deploy", [name, new("image", ValueKind.Image, image.Value)], settings);
            case "update" when OnlyFlags(w, [.. common, "--max-instances", "--min-instances"])
                && (w.Option("--min-instances") ?? w.Option("--max-instances")) is { } instances && IsWholeNumber(instances.Value):
                return new ActionCall("service.scale", [name, new("replicas", ValueKind.Replicas, instances.Value)], settings,
                    $"the runbook sets --min-instances {w.Option("--min-instances")?.Value ?? "-"} --max-instances {w.Option("--max-instances")?.Value ?? "-"}; service.scale sets one instance count");
            case "update-traffic" when w.Option("--to-revisions") is { } traffic && OnlyFlags(w, [.. common, "--to-revisions"])
                && traffic.Value.Split('=') is [var revision, "100"] && revision.Length > 0 && !traffic.Value.Contains(',', StringComparison.Ordinal):
                return new ActionCall("service.rollback", [name, new("to", ValueKind.Revision, revision)], settings);
            case "logs read" when OnlyFlags(w, [.. common, "--limit"]):
                return new ActionCall("service.logs", [name, .. Tail(w.Option("--limit"))], settings);
            default:
                return null;
        }
    }

    private static ActionCall? Kubectl(ShellWords w, ActionCatalog catalog)
    {
        string[] valued = ["-n", "--namespace", "--context", "--replicas", "--tail", "-l", "--selector", "--to-revision", "--timeout", "--sort-by", "-o", "--output", "--field-selector"];
        var verb = Values(w.Positionals(valued));
        var settings = Settings(w, "kubernetes", ("-n", "namespace"), ("--namespace", "namespace"), ("--context", "context"));
        string[] common = ["-n", "--namespace", "--context"];
        if (verb.Length >= 2 && verb[1] == "get" && verb.Length == 3 && verb[2] is "events" or "event" or "ev"
            && OnlyFlags(w, [.. common, "--sort-by", "-o", "--output", "--field-selector"]) && catalog.FindAction("kubernetes.events") is not null)
        {
            var ns = w.Option("-n", "--namespace");
            return new ActionCall("kubernetes.events", ns is null ? [] : [new ArgumentSource("namespace", ValueKind.Namespace, ns.Value)], [],
                w.Has("--sort-by") || w.Has("--field-selector") ? "kubernetes.events lists every event of the namespace, oldest first; the runbook's sorting or filter is not applied" : null);
        }

        if (verb.Length >= 2 && verb[1] == "logs" && w.Option("-l", "--selector") is { } selector && verb.Length == 2
            && selector.Value.Split('=') is [_, var app] && app.Length > 0 && !selector.Value.Contains(',', StringComparison.Ordinal)
            && OnlyFlags(w, [.. common, "-l", "--selector", "--tail"]))
        {
            return new ActionCall("service.logs", [new("service", ValueKind.Service, app), .. Tail(w.Option("--tail"))], settings,
                $"the runbook selects pods by {selector.Value}; service.logs finds the service's pods by its own selector");
        }

        var target = Deployment(verb.Length >= 3 && verb[1] == "rollout" ? verb[3..] : verb.Length >= 2 && verb[1] == "scale" ? verb[2..] : []);
        if (target is null)
        {
            return null;
        }

        ArgumentSource name = new("service", ValueKind.Service, target);
        return (verb[1], verb[1] == "rollout" ? verb[2] : string.Empty) switch
        {
            ("rollout", "restart") when OnlyFlags(w, common) => new ActionCall("service.restart", [name], settings),
            ("rollout", "undo") when OnlyFlags(w, [.. common, "--to-revision"]) =>
                new ActionCall("service.rollback", [name, .. w.Option("--to-revision") is { } to ? [new ArgumentSource("to", ValueKind.Revision, to.Value)] : ImmutableArray<ArgumentSource>.Empty], settings),
            ("rollout", "status") when OnlyFlags(w, [.. common, "--timeout"]) => new ActionCall("service.wait", [name], settings),
            ("scale", _) when w.Option("--replicas") is { } replicas && IsWholeNumber(replicas.Value) && OnlyFlags(w, [.. common, "--replicas"]) =>
                new ActionCall("service.scale", [name, new("replicas", ValueKind.Replicas, replicas.Value)], settings),
            _ => null,
        };
    }

    /// <summary>The deployment named as <c>deployment/x</c>, <c>deploy/x</c> or <c>deployment x</c>; null for any other kind.</summary>
    private static string? Deployment(ImmutableArray<string> words)
    {
        if (words.Length == 1 && words[0].Split('/') is [var kind, var name] && IsDeploymentKind(kind) && name.Length > 0)
        {
            return name;
        }

        return words.Length == 2 && IsDeploymentKind(words[0]) ? words[1] : null;
    }

    private static bool IsDeploymentKind(string kind) => kind is "deployment" or "deployments" or "deploy" or "deployment.apps";

    private static ActionCall? Compose(ShellWords w, int first)
    {
        var i = first;
        var settings = ImmutableArray.CreateBuilder<PlatformSetting>();
        while (i + 1 < w.Count && w[i] is "-f" or "--file" or "-p" or "--project-name")
        {
            settings.Add(new PlatformSetting("compose", w[i] is "-f" or "--file" ? "file" : "project", w[i + 1]));
            i += 2;
        }

        if (i >= w.Count)
        {
            return null;
        }

        var verb = w[i];
        var rest = w.Words[(i + 1)..];
        switch (verb)
        {
            case "logs":
                {
                    string? tail = null;
                    var services = new List<string>();
                    for (var k = 0; k < rest.Length; k++)
                    {
                        var word = rest[k].Value;
                        if (word.StartsWith("--tail=", StringComparison.Ordinal))
                        {
                            tail = word[7..];
                        }
                        else if (word is "--tail" or "-n" && k + 1 < rest.Length)
                        {
                            tail = rest[++k].Value;
                        }
                        else if (word is "-f" or "--follow" or "--no-color" or "-t" or "--timestamps")
                        {
                            continue;
                        }
                        else if (word.StartsWith('-'))
                        {
                            return null;
                        }
                        else
                        {
                            services.Add(word);
                        }
                    }

                    if (services.Count != 1 || (tail is not null && !IsWholeNumber(tail)))
                    {
                        return null;
                    }

                    return new ActionCall("service.logs", [new("service", ValueKind.Service, services[0]), .. tail is null ? [] : new[] { new ArgumentSource("tail", ValueKind.Count, tail) }],
                        settings.ToImmutable(), rest.Any(r => r.Value is "-f" or "--follow") ? "the runbook follows the log (-f); service.logs reads the last lines once" : null);
                }

            case "restart" when rest.Length == 1 && !rest[0].Value.StartsWith('-'):
                return new ActionCall("service.restart", [new("service", ValueKind.Service, rest[0].Value)], settings.ToImmutable());
            case "exec":
                {
                    var k = 0;
                    while (k < rest.Length && rest[k].Value is "-T" or "--no-TTY" or "-i" or "--interactive" or "-t" or "--tty")
                    {
                        k++;
                    }

                    if (k + 1 >= rest.Length || rest[k].Value.StartsWith('-'))
                    {
                        return null;
                    }

                    return new ActionCall("service.exec", [new("service", ValueKind.Service, rest[k].Value)], settings.ToImmutable(), null, rest[(k + 1)..]);
                }

            default:
                return null;
        }
    }
}
