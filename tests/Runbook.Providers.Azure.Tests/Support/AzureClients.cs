using System.Diagnostics;
using System.Text.Json;
using Runbook.Providers.Azure.Tests.ArmServer;

namespace Runbook.Providers.Azure.Tests.Support;

/// <summary>What a client process did: its exit code and what it printed.</summary>
public sealed record ClientRun(int ExitCode, string Out, string Error)
{
    public JsonElement Json => JsonDocument.Parse(Out).RootElement.Clone();
}

/// <summary>
/// The vendor's client the ARM test server is checked against — the official JavaScript SDK
/// (@azure/arm-appcontainers 4.0.0) — made ready once by setup-azure-clients.sh. A missing client fails the tests
/// (with CI=true and without), naming the command to run.
/// </summary>
public sealed class AzureClients
{
    public const string SetupCommand = "tests/Runbook.Providers.Azure.Tests/setup-azure-clients.sh";

    private static readonly Lazy<AzureClients> Shared = new(Setup);

    private AzureClients(IReadOnlyDictionary<string, string> found, string? unavailable)
    {
        Found = found;
        Unavailable = unavailable;
    }

    public static AzureClients Instance => Shared.Value;

    public string? Unavailable { get; }

    private IReadOnlyDictionary<string, string> Found { get; }

    /// <summary>Fails the test, naming the command to run, when node or the SDK is missing (never a silent pass).</summary>
    public void EnsureReady() => Runbook.Tests.TestDependency.Require("The Azure client (node and @azure/arm-appcontainers)", Unavailable, SetupCommand);

    /// <summary>
    /// Runs CrossCheck/js/check.mjs with a scenario and its JSON arguments against the server, as <paramref name="token"/>
    /// (the server's own token by default); it prints one JSON object of what the SDK saw.
    /// </summary>
    public ClientRun Js(ContainerAppsTestServer server, string scenario, object arguments, string? token = null)
    {
        EnsureReady();
        var script = Path.Combine(Found["js"], "check.mjs");
        var start = new ProcessStartInfo(Found["node"]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Found["js"] };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(scenario);
        start.ArgumentList.Add(JsonSerializer.Serialize(arguments));

        // Only the server's settings in the child's environment: no Azure login or proxy of this machine leaks in.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AZURE_", StringComparison.Ordinal) || k.StartsWith("MSI_", StringComparison.Ordinal)
            || k.StartsWith("IDENTITY_", StringComparison.Ordinal) || k.Contains("proxy", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["AZURE_ENDPOINT"] = server.Endpoint.ToString().TrimEnd('/');
        start.Environment["AZURE_SUBSCRIPTION_ID"] = server.Subscription;
        start.Environment["AZURE_TEST_TOKEN"] = token ?? server.Token;
        start.Environment["NODE_EXTRA_CA_CERTS"] = server.CaCertificatePath;
        return Run(start, TimeSpan.FromSeconds(120));
    }

    private static ClientRun Run(ProcessStartInfo start, TimeSpan limit)
    {
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        return new ClientRun(process.ExitCode, output.Result, error.Result);
    }

    private static AzureClients Setup()
    {
        var (found, unavailable) = Runbook.Tests.SetupScript.Run("setup-azure-clients.sh");
        return new AzureClients(found, unavailable);
    }
}
