using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Runbook.Providers.Gcp.Tests.CloudRunServer;

namespace Runbook.Providers.Gcp.Tests.Support;

/// <summary>What a client process did: its exit code and what it printed.</summary>
public sealed record ClientRun(int ExitCode, string Out, string Error)
{
    /// <summary>The one JSON object check.mjs printed; fails the test with the client's stderr when there is none.</summary>
    public JsonObject Json
    {
        get
        {
            Assert.True(ExitCode == 0, $"check.mjs exited {ExitCode}:\n{Error}\n{Out}");
            try
            {
                return JsonNode.Parse(Out)!.AsObject();
            }
            catch (JsonException ex)
            {
                Assert.Fail($"check.mjs printed no JSON object ({ex.Message}):\n{Out}\n{Error}");
                throw;
            }
        }
    }
}

/// <summary>
/// The vendor's clients the Cloud Run test server is checked against — node with @google-cloud/run,
/// google-auth-library and @google-cloud/logging — made ready once by setup-gcp-clients.sh. A missing client fails
/// the tests (with CI=true and without), naming the command to run.
/// </summary>
public sealed class GcpClients
{
    public const string SetupCommand = "tests/Runbook.Providers.Gcp.Tests/setup-gcp-clients.sh";

    private static readonly Lazy<GcpClients> Shared = new(Setup);

    private GcpClients(IReadOnlyDictionary<string, string> found, string? unavailable)
    {
        Found = found;
        Unavailable = unavailable;
    }

    public static GcpClients Instance => Shared.Value;

    public string? Unavailable { get; }

    private IReadOnlyDictionary<string, string> Found { get; }

    /// <summary>Fails the test, naming the command to run, when node or a client is missing (never a silent pass).</summary>
    public void EnsureReady() => Runbook.Tests.TestDependency.Require("The Google Cloud JavaScript clients (node, @google-cloud/run, google-auth-library)",
        Unavailable, SetupCommand);

    /// <summary>
    /// Runs CrossCheck/js/check.mjs with a scenario against <paramref name="endpoint"/> holding <paramref name="token"/>;
    /// it prints one JSON object of what the client saw. No Google credentials of this machine reach the child.
    /// </summary>
    public ClientRun Js(Uri endpoint, string token, string scenario, JsonObject args)
    {
        EnsureReady();
        var script = Path.Combine(Found["js"], "check.mjs");
        var start = new ProcessStartInfo(Found["node"]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Found["js"] };
        foreach (var arg in (string[])[script, scenario, args.ToJsonString()])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("GOOGLE_", StringComparison.Ordinal) || k.StartsWith("GCLOUD", StringComparison.Ordinal)
            || k.StartsWith("CLOUDSDK_", StringComparison.Ordinal) || k is "GCE_METADATA_HOST" or "GCE_METADATA_IP").ToList())
        {
            start.Environment.Remove(name);
        }

        // A metadata server lookup (none here) must fail fast rather than hang the client.
        start.Environment["GCE_METADATA_HOST"] = "127.0.0.1:9";
        start.Environment["NODE_NO_WARNINGS"] = "1";
        start.Environment["RUN_ENDPOINT"] = endpoint.ToString().TrimEnd('/');
        start.Environment["RUN_TOKEN"] = token;
        return Run(start, TimeSpan.FromSeconds(120));
    }

    /// <summary>The same against a Cloud Run test server with its own token.</summary>
    public ClientRun Js(CloudRunTestServer server, string scenario, JsonObject args, string? token = null) =>
        Js(server.Endpoint, token ?? server.Token, scenario, args);

    private static ClientRun Run(ProcessStartInfo start, TimeSpan limit)
    {
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new ClientRun(-1, output.Result, $"check.mjs did not finish within {limit}\n{error.Result}");
        }

        return new ClientRun(process.ExitCode, output.Result, error.Result);
    }

    private static GcpClients Setup()
    {
        var (found, unavailable) = Runbook.Tests.SetupScript.Run("setup-gcp-clients.sh");
        return new GcpClients(found, unavailable);
    }
}
