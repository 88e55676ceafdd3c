using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using Runbook.Execution.Providers;
using Runbook.Providers.Gcp.Tests.CloudRunServer;
using Runbook.Providers.Gcp.Tests.Identity;
using Runbook.Providers.Tests;
using Runbook.Tests;

namespace Runbook.Providers.Gcp.Tests.EndToEnd;

/// <summary>
/// `runbook` on the gcp provider against the Cloud Run test server, from the JIT build and from the native binary.
/// Credentials come from a service-account key file whose token_uri is the identity stand-in, so each run signs a JWT,
/// exchanges it and sends the token it got; the Cloud Run server accepts only tokens the stand-in issued.
/// </summary>
public sealed partial class ExecEndToEndTests
{
    public static TheoryData<string> Targets() => RunbookBinary.Targets();

    private const string Deployer = "deployer@runbook-test-project.iam.gserviceaccount.com";

    [Theory]
    [MemberData(nameof(Targets))]
    public void Plan_with_provider_gcp_names_the_Cloud_Run_calls_of_each_step_and_needs_no_credentials(string target)
    {
        using var folder = new TempFolder();

        var plan = Run(target, folder.Path, [("NO_GCE_CHECK", "true")], "plan", Playbook(), "--provider", "gcp");

        Assert.True(plan.ExitCode == 0, plan.Out);
        Assert.Contains("services.get", plan.Out, StringComparison.Ordinal);
        Assert.Contains("revisions.list", plan.Out, StringComparison.Ordinal);
        Assert.Contains("entries.list", plan.Out, StringComparison.Ordinal);
        Assert.Contains("services.patch", plan.Out, StringComparison.Ordinal);
        Assert.Contains("operations.get", plan.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_dry_run_sends_no_mutating_request_then_exec_scales_and_the_failure_scales_back(string target)
    {
        await using var world = await World.StartAsync();
        world.Server.SeedService("backend", "europe-docker.pkg.dev/p/app/backend:1", minInstances: 2, maxInstances: 10);
        using var folder = new TempFolder();
        folder.Write("playbook.yaml", ProviderPlaybooks.ScaleThenFail);
        folder.Write("runbook.yaml", world.Config());
        var environment = world.KeyFileEnvironment(folder, Deployer);

        var dryRun = Run(target, folder.Path, environment, "exec", "playbook.yaml", "--env", "prod", "--dry-run", "--journal", "j.db");
        var plan = Run(target, folder.Path, [.. environment, .. world.SettingsEnvironment()], "plan", "playbook.yaml", "--provider", "gcp");
        var mutatingBeforeExec = world.Server.MutatingRequests;
        var readsBeforeExec = world.Server.Requests.Count;
        var exec = Run(target, folder.Path, environment, "exec", "playbook.yaml", "--env", "prod", "--journal", "j.db");
        var runId = RunId().Match(exec.Out).Groups[1].Value;
        var show = Run(target, folder.Path, environment, "show", runId, "--journal", "j.db", "--format", "json");

        Assert.True(dryRun.ExitCode == 1, dryRun.Out); // the read-only verify step runs in a dry run too, and fails
        Assert.True(plan.ExitCode == 0, plan.Out);
        Assert.True(readsBeforeExec > 0, "the dry run read the service from Cloud Run");
        Assert.Equal(0, mutatingBeforeExec);
        Assert.True(exec.ExitCode == 1, exec.Out);
        Assert.Contains("rolled back: scale", exec.Out, StringComparison.Ordinal);
        Assert.Equal(2, world.Server.Service("backend").MinInstances);
        Assert.Equal(10, world.Server.Service("backend").MaxInstances);
        using var journal = JsonDocument.Parse(show.Out);
        var scaled = journal.RootElement.GetProperty("events").EnumerateArray()
            .Single(e => e.GetProperty("kind").GetString() == "StepSucceeded" && e.GetProperty("step").GetString() == "scale");
        Assert.Equal(2, scaled.GetProperty("data").GetProperty("outputs").GetProperty("previous_replicas").GetInt64());
        Assert.Equal([Deployer], world.Principals);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task High_error_rate_with_provider_gcp_moves_traffic_back_to_the_previous_revision_after_a_second_persons_approval(string target)
    {
        await using var world = await World.StartAsync();
        await using var web = await LocalWeb.StartAsync();
        world.Server.SeedService("backend", "europe-docker.pkg.dev/p/app/backend:1");
        var good = world.Server.Service("backend").LatestReadyRevision;
        await world.DeployAsync("backend", "europe-docker.pkg.dev/p/app/backend:2");
        var bad = world.Server.Service("backend").LatestReadyRevision;
        world.Server.Log("backend", bad!, DateTimeOffset.UtcNow.AddMinutes(-1), "ERROR 502 upstream timed out", "ERROR");
        using var folder = new TempFolder();
        folder.Write("runbook.yaml", "approvers:\n  groups:\n    sre-leads: [bob]\n");
        (string, string?)[] environment =
        [
            .. world.KeyFileEnvironment(folder, Deployer), .. world.SettingsEnvironment(), ("SLACK_WEBHOOK_URL", web.Url + "slack"),
        ];
        var mutatingBefore = world.Server.MutatingRequests;

        var started = Run(target, folder.Path, environment, "exec", Playbook(), "--provider", "gcp", "--input", $"health_url={web.Url}health", "--journal", "j.db");
        var runId = RunId().Match(started.Out).Groups[1].Value;
        var mutatingWhileWaiting = world.Server.MutatingRequests;
        var approved = Run(target, folder.Path, environment, "approve", runId, "rollback", "--as", "bob", "--journal", "j.db");
        var resumed = Run(target, folder.Path, environment, "resume", runId, "--journal", "j.db");

        Assert.True(started.ExitCode == 3, started.Out); // waiting for the approval
        Assert.Equal(mutatingBefore, mutatingWhileWaiting);
        Assert.True(approved.ExitCode == 0, approved.Out);
        Assert.True(resumed.ExitCode == 0, resumed.Out);
        Assert.Contains("✔ rollback", resumed.Out, StringComparison.Ordinal);
        Assert.Contains("✔ wait_rollout", resumed.Out, StringComparison.Ordinal);
        Assert.Contains("✔ verify", resumed.Out, StringComparison.Ordinal);
        var after = world.Server.Service("backend");
        Assert.Contains(after.TrafficStatuses, t => t.Revision == good && t.Percent == 100);
        Assert.Contains(web.Requests, r => r.StartsWith("POST /slack", StringComparison.Ordinal) && r.Contains(bad!, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_revision_that_never_becomes_ready_ends_the_wait_at_once_and_compensation_sends_traffic_back(string target)
    {
        await using var world = await World.StartAsync();
        world.Server.SeedService("web", "europe-docker.pkg.dev/p/app/web:1");
        world.Server.MarkImageBad("europe-docker.pkg.dev/p/app/web:2");
        var before = world.Server.Service("web").LatestReadyRevision;
        using var folder = new TempFolder();
        folder.Write("deploy.yaml", """
            apiVersion: runbook/v1
            kind: Playbook
            name: deploy-web
            phases:
              mitigate:
                - id: deploy
                  uses: service.deploy
                  with: { service: web, image: "europe-docker.pkg.dev/p/app/web:2" }
                  rollback:
                    uses: service.rollback
                    with: { service: web, to: "${{ steps.deploy.outputs.previous_revision }}" }
                - id: rollout
                  uses: service.wait
                  with: { service: web, timeout: 60s }
            """);
        folder.Write("runbook.yaml", world.Config());

        var exec = Run(target, folder.Path, world.KeyFileEnvironment(folder, Deployer), "exec", "deploy.yaml", "--env", "prod", "--journal", "j.db");

        Assert.True(exec.ExitCode == 1, exec.Out);
        Assert.DoesNotContain("within 60s", exec.Out, StringComparison.Ordinal);
        Assert.Contains("rolled back: deploy", exec.Out, StringComparison.Ordinal);
        var after = world.Server.Service("web");
        Assert.Contains(after.TrafficStatuses, t => t.Revision == before && t.Percent == 100);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task No_credentials_anywhere_fails_the_step_saying_how_to_log_in_without_a_stack_trace(string target)
    {
        await using var world = await World.StartAsync();
        world.Server.SeedService("web", "europe-docker.pkg.dev/p/app/web:1");
        using var folder = new TempFolder();
        folder.Write("describe.yaml", Describe);
        folder.Write("runbook.yaml", world.Config());

        var exec = Run(target, folder.Path, [("NO_GCE_CHECK", "true")], "exec", "describe.yaml", "--env", "prod", "--journal", "j.db");

        Assert.True(exec.ExitCode == 1, exec.Out);
        Assert.Contains("no Google credentials: run `gcloud auth application-default login`", exec.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", exec.Out, StringComparison.Ordinal);
        Assert.Empty(world.Server.Requests);
    }

    internal const string Describe = """
        apiVersion: runbook/v1
        kind: Playbook
        name: describe
        phases:
          assess:
            - id: web
              uses: service.describe
              with: { service: web }
            - id: check
              run: test "$IMAGE" = europe-docker.pkg.dev/p/app/web:1
              env: { IMAGE: "${{ steps.web.outputs.image }}" }
              mutates: false
        """;

    private static string Playbook() => Path.Combine(RunbookBinary.RepoRoot(), "playbooks", "high-error-rate.yaml");

    [GeneratedRegex(@"run (\d{8}-\d{6}-[0-9a-f]{6})")]
    private static partial Regex RunId();

    /// <summary>
    /// Runs runbook with none of this machine's Google configuration: HOME is the test's folder (no ~/.config/gcloud),
    /// and no GOOGLE_, CLOUDSDK_, GCE_ or RUNBOOK_GCP_ variable leaks in.
    /// </summary>
    internal static (int ExitCode, string Out) Run(string target, string folder, (string Name, string? Value)[] environment, params string[] args)
    {
        string[] prefixes = ["GOOGLE_", "CLOUDSDK_", "GCE_", "GCLOUD_", "RUNBOOK_GCP_", "NO_GCE_CHECK"];
        var machine = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => prefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal)))
            .Select(k => (k, (string?)null));
        return RunbookBinary.Run(target, folder, [("HOME", folder), .. machine, .. environment], [], args);
    }
}

/// <summary>The Cloud Run test server and the identity stand-in, wired so that the server accepts exactly the tokens the stand-in issues.</summary>
internal sealed class World : IAsyncDisposable
{
    private readonly List<string> _principals = [];

    private World(CloudRunTestServer server, GoogleIdentityStandIn google)
    {
        // Only the principal a test expects, when it says one, is let in: a run that used other credentials fails.
        Server = server;
        Google = google;
        google.Issued = (token, principal) =>
        {
            lock (_principals)
            {
                _principals.Add(principal);
            }

            if (OnlyPrincipal is null || OnlyPrincipal == principal)
            {
                server.AcceptToken(token, principal);
            }
        };
    }

    public CloudRunTestServer Server { get; }

    public GoogleIdentityStandIn Google { get; }

    /// <summary>When set, only tokens issued to this principal are accepted by the Cloud Run server.</summary>
    public string? OnlyPrincipal { get; set; }

    /// <summary>The distinct principals tokens were issued to.</summary>
    public IReadOnlyList<string> Principals
    {
        get
        {
            lock (_principals)
            {
                return [.. _principals.Distinct()];
            }
        }
    }

    public static async Task<World> StartAsync() => new(await CloudRunTestServer.StartAsync(), await GoogleIdentityStandIn.StartAsync());

    /// <summary>runbook.yaml with an environment 'prod' on this server.</summary>
    public string Config(bool withProject = true) => $"""
        environments:
          prod:
            provider: gcp
            {(withProject ? "project: " + Server.Project : "")}
            region: {Server.Region}
            endpoint: {Server.Endpoint}
            logging_endpoint: {Server.Endpoint}
            poll_interval: 200ms
        """;

    /// <summary>The same settings through RUNBOOK_GCP_* (for --provider gcp without an environment in runbook.yaml).</summary>
    public (string, string?)[] SettingsEnvironment() =>
    [
        ("RUNBOOK_GCP_PROJECT", Server.Project), ("RUNBOOK_GCP_REGION", Server.Region), ("RUNBOOK_GCP_ENDPOINT", Server.Endpoint.ToString()),
        ("RUNBOOK_GCP_LOGGING_ENDPOINT", Server.Endpoint.ToString()), ("RUNBOOK_GCP_POLL_INTERVAL", "200ms"),
    ];

    /// <summary>A service-account key for <paramref name="email"/> in the folder, named by GOOGLE_APPLICATION_CREDENTIALS.</summary>
    public (string, string?)[] KeyFileEnvironment(TempFolder folder, string email) =>
        [("GOOGLE_APPLICATION_CREDENTIALS", folder.Write("keys/deployer.json", Google.ServiceAccountKeyFile(email, Server.Project))), ("NO_GCE_CHECK", "true")];

    /// <summary>Deploys an image through the provider (as a previous release did) and waits for its revision to serve.</summary>
    public async Task DeployAsync(string service, string image)
    {
        var settings = new ProviderSettings("gcp",
            ImmutableDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
            {
                ["project"] = Server.Project,
                ["region"] = Server.Region,
                ["endpoint"] = Server.Endpoint.ToString(),
                ["logging_endpoint"] = Server.Endpoint.ToString(),
                ["poll_interval"] = "100ms",
            }),
            ImmutableDictionary<string, string>.Empty, Path.GetTempPath());
        var provider = new GcpProvider(_ => null, identity: new GoogleIdentity(new FixedToken(Server.Token), Server.Project));
        var backend = await provider.BuildAsync(settings, CancellationToken.None);
        await backend.DeployAsync(service, image, CancellationToken.None);
        await Server.WaitForReadyAsync(service, TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        await Google.DisposeAsync();
        await Server.DisposeAsync();
    }

    private sealed class FixedToken(string token) : IAccessTokenSource
    {
        public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(token);
    }
}
