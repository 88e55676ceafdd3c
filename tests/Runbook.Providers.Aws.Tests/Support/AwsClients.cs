using System.Diagnostics;
using System.Text.Json;
using Runbook.Providers.Aws.Tests.EcsServer;

namespace Runbook.Providers.Aws.Tests.Support;

/// <summary>What a client process did: its exit code and what it printed.</summary>
public sealed record ClientRun(int ExitCode, string Out, string Error)
{
    public JsonElement Json => JsonDocument.Parse(Out).RootElement.Clone();
}

/// <summary>
/// The vendor's clients the test server is checked against — the AWS CLI and the official JavaScript SDK v3 —
/// made ready once by setup-aws-clients.sh. A missing client fails the tests (with CI=true and without),
/// naming the command to run.
/// </summary>
public sealed class AwsClients
{
    private static readonly Lazy<AwsClients> Shared = new(Setup);

    private AwsClients(IReadOnlyDictionary<string, string> found, string? unavailable)
    {
        Found = found;
        Unavailable = unavailable;
    }

    public static AwsClients Instance => Shared.Value;

    private IReadOnlyDictionary<string, string> Found { get; }

    public string? Unavailable { get; }

    /// <summary>Fails the test, naming the command to run, when a client is missing (never a silent pass).</summary>
    public void EnsureReady() => Runbook.Tests.TestDependency.Require("The AWS clients (the AWS CLI, node and the AWS SDK for JavaScript)",
        Unavailable, "tests/Runbook.Providers.Aws.Tests/setup-aws-clients.sh");

    /// <summary>The AWS CLI against the server: its endpoint and the given credentials only in the child's environment, no profile or config file of this machine.</summary>
    public ClientRun Cli(EcsTestServer server, TestCredentials? credentials, params string[] args)
    {
        var start = new ProcessStartInfo(Found["aws"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[.. args, "--endpoint-url", server.Endpoint.ToString().TrimEnd('/'), "--output", "json"])
        {
            start.ArgumentList.Add(arg);
        }

        Isolate(start, server, credentials);
        return Run(start, TimeSpan.FromSeconds(120));
    }

    /// <summary>Runs CrossCheck/js/check.mjs with a scenario; it prints one JSON object of what the SDK saw.</summary>
    public ClientRun Js(EcsTestServer server, TestCredentials? credentials, string scenario, params string[] args)
    {
        var script = Path.Combine(Found["js"], "check.mjs");
        var start = new ProcessStartInfo(Found["node"]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Found["js"] };
        foreach (var arg in (string[])[script, scenario, .. args])
        {
            start.ArgumentList.Add(arg);
        }

        Isolate(start, server, credentials);
        start.Environment["ECS_ENDPOINT"] = server.Endpoint.ToString().TrimEnd('/');
        return Run(start, TimeSpan.FromSeconds(120));
    }

    private static void Isolate(ProcessStartInfo start, EcsTestServer server, TestCredentials? credentials)
    {
        credentials ??= new TestCredentials(server.AccessKeyId, server.SecretAccessKey, null, "runbook-tester");
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        var empty = Path.Combine(Path.GetTempPath(), "runbook-aws-empty-config");
        File.WriteAllText(empty, string.Empty);
        start.Environment["AWS_CONFIG_FILE"] = empty;
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = empty;
        start.Environment["AWS_ACCESS_KEY_ID"] = credentials.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = credentials.SecretAccessKey;
        if (credentials.SessionToken is not null)
        {
            start.Environment["AWS_SESSION_TOKEN"] = credentials.SessionToken;
        }

        start.Environment["AWS_DEFAULT_REGION"] = server.Region;
        start.Environment["AWS_REGION"] = server.Region;
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_PAGER"] = string.Empty;
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

    private static AwsClients Setup()
    {
        var (found, unavailable) = Runbook.Tests.SetupScript.Run("setup-aws-clients.sh");
        return new AwsClients(found, unavailable);
    }
}
