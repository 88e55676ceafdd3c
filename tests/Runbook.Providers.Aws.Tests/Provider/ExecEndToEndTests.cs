using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Runbook.Providers.Aws.Tests.EcsServer;
using Runbook.Providers.Tests;
using Runbook.Tests;

namespace Runbook.Providers.Aws.Tests.Provider;

/// <summary>
/// `runbook exec` on the aws provider against the ECS test server, from the JIT build and from the native binary
/// (credentials, SigV4 and the JSON client must work inside it): dry run, the shipped high-error-rate playbook
/// with a second person's approval, and a failed deployment that is compensated.
/// </summary>
public sealed partial class ExecEndToEndTests
{
    public static TheoryData<string> Targets() => RunbookBinary.Targets();

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_dry_run_sends_no_mutating_call_then_exec_scales_and_the_failure_scales_back(string target)
    {
        await using var server = await EcsTestServer.StartAsync();
        server.SeedService("prod", "web", "registry.example/web:1", desiredCount: 2);
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, "playbook.yaml"), ProviderPlaybooks.ScaleThenFail);
        File.WriteAllText(Path.Combine(folder.Path, "runbook.yaml"), """
            environments:
              prod:
                provider: aws
                cluster: prod
                poll_interval: 200ms
                services:
                  backend: web
            """);

        var dryRun = Run(target, folder.Path, Environment(server), "exec", "playbook.yaml", "--env", "prod", "--dry-run", "--journal", "j.db");
        var mutatingAfterDryRun = server.MutatingCalls;
        var exec = Run(target, folder.Path, Environment(server), "exec", "playbook.yaml", "--env", "prod", "--journal", "j.db");
        var runId = RunId().Match(exec.Out).Groups[1].Value;
        var show = Run(target, folder.Path, Environment(server), "show", runId, "--journal", "j.db", "--format", "json");

        Assert.True(dryRun.ExitCode == 1, dryRun.Out); // the read-only verify step runs in a dry run too, and fails
        Assert.Contains("2 replicas → 3 replicas", dryRun.Out, StringComparison.Ordinal);
        Assert.True(server.CallsTo("DescribeServices") > 0, "the dry run read the current state from ECS");
        Assert.Equal(0, mutatingAfterDryRun);
        Assert.True(exec.ExitCode == 1, exec.Out);
        Assert.Contains("rolled back: scale", exec.Out, StringComparison.Ordinal);
        Assert.Equal(2, server.Service("prod", "web")!.DesiredCount);
        Assert.Equal(2, server.CallsTo("UpdateService")); // the scale and its compensation, nothing else
        using var journal = JsonDocument.Parse(show.Out);
        var scaled = journal.RootElement.GetProperty("events").EnumerateArray()
            .Single(e => e.GetProperty("kind").GetString() == "StepSucceeded" && e.GetProperty("step").GetString() == "scale");
        Assert.Equal(2, scaled.GetProperty("data").GetProperty("outputs").GetProperty("previous_replicas").GetInt64());
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task High_error_rate_with_provider_aws_rolls_back_the_bad_task_definition_after_a_second_persons_approval(string target)
    {
        await using var server = await EcsTestServer.StartAsync();
        await using var web = await LocalHttp.StartAsync();
        server.SeedService("prod", "backend", "registry.example/backend:1", desiredCount: 2);
        server.MarkImageBad("registry.example/backend:2");
        var environment = Environment(server);
        var good = server.Service("prod", "backend")!.TaskDefinitionArn;
        var bad = await AwsTarget.Backend(AwsTarget.Environment(server), AwsTarget.Settings("prod")).DeployReturningArnAsync("backend", "registry.example/backend:2", CancellationToken.None);
        server.WriteServiceLog("prod", "backend", "ERROR 502 upstream timed out");
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, "runbook.yaml"), "approvers:\n  groups:\n    sre-leads: [bob]\n");
        (string, string?)[] settings =
        [
            .. environment, ("RUNBOOK_AWS_CLUSTER", "prod"), ("RUNBOOK_AWS_POLL_INTERVAL", "200ms"), ("SLACK_WEBHOOK_URL", web.Url + "slack"),
        ];
        var playbook = Path.Combine(RepoRoot(), "playbooks", "high-error-rate.yaml");

        var started = Run(target, folder.Path, settings, "exec", playbook, "--provider", "aws", "--input", $"health_url={web.Url}health", "--journal", "j.db");
        var runId = RunId().Match(started.Out).Groups[1].Value;
        var stillBad = server.Service("prod", "backend")!.TaskDefinitionArn;
        var approved = Run(target, folder.Path, settings, "approve", runId, "rollback", "--as", "bob", "--journal", "j.db");
        var resumed = Run(target, folder.Path, settings, "resume", runId, "--journal", "j.db");

        Assert.True(started.ExitCode == 3, started.Out); // waiting for the approval
        Assert.Equal(bad, stillBad);
        Assert.True(approved.ExitCode == 0, approved.Out);
        Assert.True(resumed.ExitCode == 0, resumed.Out);
        Assert.Contains("✔ rollback", resumed.Out, StringComparison.Ordinal);
        Assert.Contains("✔ wait_rollout", resumed.Out, StringComparison.Ordinal);
        Assert.Contains("✔ verify", resumed.Out, StringComparison.Ordinal);
        var after = server.Service("prod", "backend")!;
        Assert.Equal(good, after.TaskDefinitionArn);
        Assert.True(after.Stable, after.ToString());
        Assert.Contains(web.Requests, r => r.StartsWith("POST /slack", StringComparison.Ordinal) && r.Contains(bad, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_deployment_the_circuit_breaker_fails_ends_the_wait_and_compensation_restores_the_task_definition(string target)
    {
        await using var server = await EcsTestServer.StartAsync();
        server.SeedService("prod", "web", "registry.example/web:1", desiredCount: 2, new SeedOptions { CircuitBreaker = true });
        server.MarkImageBad("registry.example/web:2");
        var before = server.Service("prod", "web")!.TaskDefinitionArn;
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, "deploy.yaml"), """
            apiVersion: runbook/v1
            kind: Playbook
            name: deploy-web
            phases:
              mitigate:
                - id: deploy
                  uses: service.deploy
                  with: { service: web, image: "registry.example/web:2" }
                  rollback:
                    uses: service.rollback
                    with: { service: web, to: "${{ steps.deploy.outputs.previous_revision }}" }
                - id: rollout
                  uses: service.wait
                  with: { service: web, timeout: 60s }
            """);
        File.WriteAllText(Path.Combine(folder.Path, "runbook.yaml"), "environments:\n  prod:\n    provider: aws\n    cluster: prod\n    poll_interval: 200ms\n");

        var exec = Run(target, folder.Path, Environment(server), "exec", "deploy.yaml", "--env", "prod", "--journal", "j.db");

        Assert.True(exec.ExitCode == 1, exec.Out);
        Assert.Contains("FAILED", exec.Out, StringComparison.Ordinal); // ECS's circuit breaker reason, not a timeout
        Assert.DoesNotContain("within 60s", exec.Out, StringComparison.Ordinal);
        Assert.Contains("rolled back: deploy", exec.Out, StringComparison.Ordinal);
        Assert.Equal(before, server.Service("prod", "web")!.TaskDefinitionArn);
        Assert.Equal(1, server.CallsTo("RegisterTaskDefinition"));
    }

    private const string Describe = """
        apiVersion: runbook/v1
        kind: Playbook
        name: describe
        phases:
          assess:
            - id: web
              uses: service.describe
              with: { service: web }
            - id: check
              run: test "$IMAGE" = registry.example/web:1
              env: { IMAGE: "${{ steps.web.outputs.image }}" }
              mutates: false
        """;

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_credential_process_profile_signs_with_the_temporary_keys_its_script_prints(string target)
    {
        await using var server = await EcsTestServer.StartAsync();
        server.SeedService("prod", "web", "registry.example/web:1", desiredCount: 1);
        var session = server.AddSessionCredentials("process-user");
        using var folder = new TempFolder();
        var script = Path.Combine(folder.Path, "creds.sh");
        File.WriteAllText(script, $"#!/bin/sh\necho '{{\"Version\": 1, \"AccessKeyId\": \"{session.AccessKeyId}\", \"SecretAccessKey\": \"{session.SecretAccessKey}\", \"SessionToken\": \"{session.SessionToken}\"}}'\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Directory.CreateDirectory(Path.Combine(folder.Path, ".aws"));
        File.WriteAllText(Path.Combine(folder.Path, ".aws", "config"), $"[profile tool]\nregion = {server.Region}\ncredential_process = {script}\n");
        File.WriteAllText(Path.Combine(folder.Path, "describe.yaml"), Describe);
        File.WriteAllText(Path.Combine(folder.Path, "runbook.yaml"), "environments:\n  prod:\n    provider: aws\n    cluster: prod\n    profile: tool\n");

        var result = Run(target, folder.Path, [("AWS_ENDPOINT_URL", server.Endpoint.ToString())], "exec", "describe.yaml", "--env", "prod", "--journal", "j.db");

        Assert.True(result.ExitCode == 0, result.Out);
        Assert.Contains(server.Calls, c => c.AccessKeyId == session.AccessKeyId && c.Operation == "DescribeServices" && c.Status == 200);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_role_arn_profile_assumes_the_role_through_STS_and_signs_with_the_roles_keys(string target)
    {
        await using var server = await EcsTestServer.StartAsync();
        await using var sts = await LocalHttp.StartAsync();
        server.SeedService("prod", "web", "registry.example/web:1", desiredCount: 1);
        var role = server.AddSessionCredentials("deployer-role");
        sts.Respond = body => body.Contains("Action=AssumeRole", StringComparison.Ordinal) && body.Contains("deployer", StringComparison.Ordinal)
            ? $"""
              <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                <AssumeRoleResult>
                  <Credentials><AccessKeyId>{role.AccessKeyId}</AccessKeyId><SecretAccessKey>{role.SecretAccessKey}</SecretAccessKey><SessionToken>{role.SessionToken}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
                  <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/deployer/runbook</Arn><AssumedRoleId>AROAEXAMPLE:runbook</AssumedRoleId></AssumedRoleUser>
                </AssumeRoleResult>
                <ResponseMetadata><RequestId>0c1b2a3d-0000-4000-8000-000000000000</RequestId></ResponseMetadata>
              </AssumeRoleResponse>
              """
            : null;
        using var folder = new TempFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, ".aws"));
        File.WriteAllText(Path.Combine(folder.Path, ".aws", "credentials"), "[base]\naws_access_key_id = AKIABASEEXAMPLE\naws_secret_access_key = base-secret\n");
        File.WriteAllText(Path.Combine(folder.Path, ".aws", "config"),
            $"[profile deployer]\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = base\nregion = {server.Region}\n");
        File.WriteAllText(Path.Combine(folder.Path, "describe.yaml"), Describe);
        File.WriteAllText(Path.Combine(folder.Path, "runbook.yaml"), "environments:\n  prod:\n    provider: aws\n    cluster: prod\n");

        var result = Run(target, folder.Path,
            [("AWS_PROFILE", "deployer"), ("AWS_ENDPOINT_URL_ECS", server.Endpoint.ToString()), ("AWS_ENDPOINT_URL_STS", sts.Url)],
            "exec", "describe.yaml", "--env", "prod", "--journal", "j.db");

        Assert.True(result.ExitCode == 0, result.Out);
        Assert.Contains(sts.Requests, r => r.Contains("Action=AssumeRole", StringComparison.Ordinal));
        Assert.Contains(server.Calls, c => c.AccessKeyId == role.AccessKeyId && c.Operation == "DescribeServices" && c.Status == 200);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Web_identity_from_the_environment_exchanges_the_token_file_for_the_roles_keys(string target)
    {
        await using var server = await EcsTestServer.StartAsync();
        await using var sts = await LocalHttp.StartAsync();
        server.SeedService("prod", "web", "registry.example/web:1", desiredCount: 1);
        var role = server.AddSessionCredentials("irsa-role");
        sts.Respond = body => body.Contains("Action=AssumeRoleWithWebIdentity", StringComparison.Ordinal) && body.Contains("WebIdentityToken=eyJ-irsa-token", StringComparison.Ordinal)
            ? $"""
              <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                <AssumeRoleWithWebIdentityResult>
                  <Credentials><AccessKeyId>{role.AccessKeyId}</AccessKeyId><SecretAccessKey>{role.SecretAccessKey}</SecretAccessKey><SessionToken>{role.SessionToken}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
                  <SubjectFromWebIdentityToken>system:serviceaccount:prod:runbook</SubjectFromWebIdentityToken>
                  <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/irsa/runbook</Arn><AssumedRoleId>AROAEXAMPLE:runbook</AssumedRoleId></AssumedRoleUser>
                </AssumeRoleWithWebIdentityResult>
                <ResponseMetadata><RequestId>0c1b2a3d-0000-4000-8000-000000000001</RequestId></ResponseMetadata>
              </AssumeRoleWithWebIdentityResponse>
              """
            : null;
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, "token"), "eyJ-irsa-token");
        File.WriteAllText(Path.Combine(folder.Path, "describe.yaml"), Describe);
        File.WriteAllText(Path.Combine(folder.Path, "runbook.yaml"), "environments:\n  prod:\n    provider: aws\n    cluster: prod\n");

        var result = Run(target, folder.Path,
            [("AWS_WEB_IDENTITY_TOKEN_FILE", Path.Combine(folder.Path, "token")), ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa"),
             ("AWS_REGION", server.Region), ("AWS_ENDPOINT_URL_ECS", server.Endpoint.ToString()), ("AWS_ENDPOINT_URL_STS", sts.Url)],
            "exec", "describe.yaml", "--env", "prod", "--journal", "j.db");

        Assert.True(result.ExitCode == 0, result.Out);
        Assert.Contains(server.Calls, c => c.AccessKeyId == role.AccessKeyId && c.Operation == "DescribeServices" && c.Status == 200);
    }

    private static (string, string?)[] Environment(EcsTestServer server) =>
        [.. AwsTarget.Environment(server).Where(e => e.Key != "HOME").Select(e => (e.Key, e.Value))];

    [GeneratedRegex(@"run (\d{8}-\d{6}-[0-9a-f]{6})")]
    private static partial Regex RunId();

    private static string RepoRoot() => RunbookBinary.RepoRoot();

    /// <summary>Runs runbook with no AWS configuration of this machine: HOME is the test's folder (no ~/.aws) and no AWS_ variable leaks in.</summary>
    private static (int ExitCode, string Out) Run(string target, string folder, (string Name, string? Value)[] environment, params string[] args)
    {
        var machine = System.Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("AWS_", StringComparison.Ordinal) || k.StartsWith("RUNBOOK_AWS_", StringComparison.Ordinal))
            .Select(k => (k, (string?)null));
        return RunbookBinary.Run(target, folder, [("HOME", folder), .. machine, .. environment], [], args);
    }
}

/// <summary>A folder for one test's files, removed afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("runbook-aws-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>A local HTTP endpoint answering 200 to everything (a service's health URL, a Slack webhook), recording each request.</summary>
internal sealed class LocalHttp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<string> _requests = [];

    private LocalHttp(WebApplication app)
    {
        _app = app;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            lock (_requests)
            {
                _requests.Add($"{context.Request.Method} {context.Request.Path} {body}");
            }

            context.Response.StatusCode = (int)HttpStatusCode.OK;
            if (Respond(body) is { } answer)
            {
                context.Response.ContentType = "text/xml";
                await context.Response.WriteAsync(answer);
                return;
            }

            await context.Response.WriteAsync("ok");
        });
    }

    public string Url => _app.Urls.First().TrimEnd('/') + "/";

    /// <summary>A body to answer a request body with (an STS response), or null for a plain "ok".</summary>
    public Func<string, string?> Respond { get; set; } = _ => null;

    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<LocalHttp> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var http = new LocalHttp(builder.Build());
        await http._app.StartAsync();
        return http;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
