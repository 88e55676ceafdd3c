using System.Diagnostics;

namespace Runbook.Providers.Kubernetes.Tests.Support;

/// <summary>
/// The real clients the test API server is checked against: kubectl (and its pinned versions) and the official
/// Python client, made ready once by setup-kubernetes-tools.sh. With CI=true a missing one fails the tests;
/// elsewhere they say why and do nothing.
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

    public bool Ready()
    {
        if (Unavailable is null)
        {
            return true;
        }

        Assert.True(Environment.GetEnvironmentVariable("CI") != "true", $"CI=true and the Kubernetes clients are unavailable: {Unavailable}");
        Console.WriteLine($"Kubernetes cross-check not run: {Unavailable}");
        return false;
    }

    private static KubernetesTools Setup()
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(AppContext.BaseDirectory, "setup-kubernetes-tools.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var setup = Process.Start(start)!;
        var output = setup.StandardOutput.ReadToEndAsync();
        var error = setup.StandardError.ReadToEndAsync();
        setup.WaitForExit();
        if (setup.ExitCode != 0)
        {
            return new KubernetesTools(new Dictionary<string, string>(), $"setup-kubernetes-tools.sh failed ({setup.ExitCode}): {error.Result.Trim()}");
        }

        var found = output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1]);
        return new KubernetesTools(found, null);
    }
}
