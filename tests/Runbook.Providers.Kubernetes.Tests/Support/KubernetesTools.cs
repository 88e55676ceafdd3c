using System.Diagnostics;

namespace Runbook.Providers.Kubernetes.Tests.Support;

/// <summary>
/// The real clients the test API server is checked against: kubectl (and its pinned versions) and the official
/// Python client, made ready once by setup-kubernetes-tools.sh (which installs the Python client as root). A
/// missing one fails the tests that need it, naming the command to run (<see cref="Runbook.Tests.TestDependency"/>).
/// </summary>
public sealed class KubernetesTools
{
    private static readonly Lazy<KubernetesTools> Shared = new(Setup);

    private KubernetesTools(IReadOnlyDictionary<string, string> kubectl, string? unavailable)
    {
        Kubectl = kubectl;
        Unavailable = unavailable;
    }

    public static KubernetesTools Instance => Shared.Value;

    /// <summary>"kubectl" (the default one) and "kubectl.1.NN" (pinned versions), by name.</summary>
    public IReadOnlyDictionary<string, string> Kubectl { get; }

    public string? Unavailable { get; }

    public const string Python = "/usr/bin/python3";

    /// <summary>True, or fails the test saying which client is missing and how to install it.</summary>
    public bool Ready() => Runbook.Tests.TestDependency.Require("The Kubernetes clients (kubectl, python3-kubernetes)", Unavailable,
        $"{Runbook.Tests.TestDependency.InstallAll}   (kubectl: gcloud components install kubectl)");

    private static KubernetesTools Setup()
    {
        var (found, unavailable) = Runbook.Tests.SetupScript.Run("setup-kubernetes-tools.sh");
        return new KubernetesTools(found, unavailable);
    }
}
