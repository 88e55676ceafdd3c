using System.Collections.Immutable;
using O = Runbook.Language.Actions.OutputDescriptor;

namespace Runbook.Language.Actions;

/// <summary>The provider-neutral service interface: each provider maps these to its platform.</summary>
public static class ServiceActions
{
    private static readonly ParameterDescriptor Service = new("service", ParameterType.String, true,
        "The service as the playbook names it; runbook.yaml maps it to the platform's name.");

    private const string Kubernetes = "kubernetes";

    /// <summary>hpa: takes 'refuse' or 'adjust'; anything else is a typo that would otherwise fail the step at run time.</summary>
    private static readonly ArgumentRule HpaPolicy = new(Diagnostics.Descriptors.InvalidHpaPolicy,
        (_, text) => text is "refuse" or "adjust" ? null : $"'{text}' is not a policy for the HorizontalPodAutoscaler",
        "write hpa: adjust (move the HPA's bounds to include the replicas) or hpa: refuse (the default: fail when an HPA manages the workload)");

    private static ParameterDescriptor Opt(string name, ParameterType type, string description) => new(name, type, false, description);

    private static ParameterDescriptor Req(string name, ParameterType type, string description) => new(name, type, true, description);

    /// <summary>The name of <see cref="Exec"/>, which only providers that can run a command in a container list.</summary>
    public const string ExecName = "service.exec";

    /// <summary>
    /// service.exec: a command in a running container of the service, with input on stdin. Mutating: a command can
    /// change anything, so a read-only use says <c>mutates: false</c>. compose.exec and kubernetes.exec are aliases.
    /// </summary>
    public static ActionDescriptor Exec { get; } = new(ExecName, "Run a command in a running container of the service, with optional input on stdin (no TTY).", true,
        [
            Service,
            new("command", ParameterType.Any, true, "A shell command (run with sh -c in the container), or a list of arguments run as they are.", RunsInShell: true),
            Opt("stdin", ParameterType.String, "Text written to the command's standard input, then closed."),
            Opt("stdin_file", ParameterType.String, "A file inside the playbook's folder whose bytes go to standard input as they are (binary-safe, up to 64 MB).") with { IsFile = true },
            Opt("container", ParameterType.String, "Kubernetes: the container of the pod (default: the provider's container setting, else the first)."),
        ],
        [O.Text("stdout"), O.Text("stderr"), O.Integer("exit_code")],
        "exec in {service}: {command}");

    public static ImmutableArray<ActionDescriptor> All { get; } =
    [
        new("service.describe", "Current state: replicas, image, revision, health.", false,
            [Service],
            [O.Integer("replicas"), O.Integer("desired_replicas"), O.Text("image"), O.Text("revision"), O.Text("previous_revision"), O.Boolean("healthy"), O.List("instances"),
             O.Integer("updated_replicas"), O.Text("current_revision"), O.Text("update_revision"),
             O.Text("hpa"), O.Integer("hpa_min_replicas"), O.Integer("hpa_max_replicas"), O.Integer("hpa_current_replicas"), O.Integer("hpa_desired_replicas")],
            "describe service {service}"),
        new("service.history", "Revisions, newest first.", false,
            [Service, Opt("limit", ParameterType.Number, "How many revisions (default 10).")], [O.List("revisions"), O.Text("current"), O.Text("previous"), O.Object("deployments")],
            "list revisions of {service}"),
        new("service.logs", "Recent log lines.", false,
            [Service, Opt("tail", ParameterType.Number, "Lines to return (default 100)."), Opt("since", ParameterType.Duration, "Only lines newer than this."),
             Opt("previous", ParameterType.Boolean, "Logs of the previous container instance (where the platform keeps them)."),
             Opt("filter", ParameterType.String, "Only lines containing this text.")],
            [O.List("lines"), O.Text("text")], "read the last {tail} log lines of {service}"),
        new("service.scale", "Set the number of replicas.", true,
            [Service, Req("replicas", ParameterType.Number, "Desired replicas."),
             Opt("hpa", ParameterType.String,
                 "Kubernetes only: when a HorizontalPodAutoscaler manages the workload, 'refuse' (default: the step fails, naming it) or 'adjust' (its minReplicas/maxReplicas move just enough to include the replicas; the previous ones are outputs).")
                 with { OnlyOn = [Kubernetes], Rule = HpaPolicy },
             Opt("hpa_min_replicas", ParameterType.Number, "Kubernetes only: set the HPA's minReplicas to exactly this (a rollback passes previous_hpa_min_replicas).") with { OnlyOn = [Kubernetes] },
             Opt("hpa_max_replicas", ParameterType.Number, "Kubernetes only: set the HPA's maxReplicas to exactly this (a rollback passes previous_hpa_max_replicas).") with { OnlyOn = [Kubernetes] }],
            [O.Integer("previous_replicas"), O.Integer("replicas"),
             O.Integer("previous_hpa_min_replicas"), O.Integer("previous_hpa_max_replicas"), O.Integer("hpa_min_replicas"), O.Integer("hpa_max_replicas")],
            "scale {service} to {replicas} replicas"),
        new("service.restart", "Restart every instance, rolling where the platform can.", true,
            [Service], [O.Text("revision"), O.Text("previous_revision")], "restart {service}"),
        new("service.deploy", "Deploy a new image.", true,
            [Service, Req("image", ParameterType.String, "Image reference.")], [O.Text("previous_image"), O.Text("image"), O.Text("revision"), O.Text("previous_revision")],
            "deploy {image} to {service}"),
        new("service.rollback", "Go back to the previous revision, or to a named one.", true,
            [Service, Opt("to", ParameterType.String, "Revision to return to (default: the previous one).")], [O.Text("revision"), O.Text("previous_revision")],
            "roll {service} back to {to}"),
        new("service.wait", "Wait until the service is healthy and rolled out.", false,
            [Service, Opt("timeout", ParameterType.Duration, "Give up after this long (default 5m)."),
             Opt("condition", ParameterType.String, "healthy | running | rolled_out (default rolled_out).")],
            [O.Integer("ready_replicas")], "wait until {service} is rolled out (timeout {timeout})"),
        Exec,
    ];

    /// <summary>
    /// The service actions a platform that cannot run a command in a container supports: all but service.exec.
    /// (Written after <see cref="All"/>: static properties initialise in the order they are written.)
    /// </summary>
    public static ImmutableArray<string> NamesWithoutExec { get; } = [.. All.Select(a => a.Name).Where(n => n != ExecName)];
}
