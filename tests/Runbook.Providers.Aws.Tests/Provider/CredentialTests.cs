using System.Collections.Immutable;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Runbook.Execution.Providers;
using Runbook.Providers.Aws;
using Runbook.Providers.Aws.Tests.EcsServer;
using Runbook.Providers.Aws.Tests.Support;

namespace Runbook.Providers.Aws.Tests.Provider;

/// <summary>
/// Credentials and region found as the AWS CLI finds them. Each test gives the resolver its own environment and
/// its own HOME with ~/.aws files: nothing process-wide is set, so the tests run in parallel.
/// </summary>
public sealed class CredentialTests(EcsServerFixture fixture) : IClassFixture<EcsServerFixture>, IDisposable
{
    private readonly TempFolder _home = new();

    public void Dispose() => _home.Dispose();

    private Dictionary<string, string?> Env(params (string Key, string? Value)[] values)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal) { ["HOME"] = _home.Path, ["AWS_EC2_METADATA_DISABLED"] = "true" };
        foreach (var (key, value) in values)
        {
            env[key] = value;
        }

        return env;
    }

    private void Files(string? credentials = null, string? config = null)
    {
        var aws = Directory.CreateDirectory(Path.Combine(_home.Path, ".aws")).FullName;
        if (credentials is not null)
        {
            File.WriteAllText(Path.Combine(aws, "credentials"), credentials);
        }

        if (config is not null)
        {
            File.WriteAllText(Path.Combine(aws, "config"), config);
        }
    }

    private static void MakeExecutable(string script)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static ProviderSettings Settings(params (string Key, string Value)[] values) =>
        new("aws", ImmutableDictionary.CreateRange(StringComparer.Ordinal, values.Select(v => new KeyValuePair<string, string>(v.Key, v.Value))),
            ImmutableDictionary<string, string>.Empty, Path.GetTempPath());

    private static async Task<AwsCredentials> KeysAsync(ProviderSettings settings, Dictionary<string, string?> env) =>
        await AwsConnection.Resolve(settings, n => env.GetValueOrDefault(n)).KeysAsync(CancellationToken.None);

    [Fact]
    public async Task Environment_keys_with_a_session_token_are_used_when_no_profile_is_set()
    {
        var keys = await KeysAsync(Settings(("region", "eu-west-1")),
            Env(("AWS_ACCESS_KEY_ID", "AKIAENV"), ("AWS_SECRET_ACCESS_KEY", "env-secret"), ("AWS_SESSION_TOKEN", "env-token")));

        Assert.Equal(new AwsCredentials("AKIAENV", "env-secret", "env-token"), keys);
    }

    [Fact]
    public async Task A_profile_setting_wins_over_environment_keys_like_the_cli_profile_flag()
    {
        Files(credentials: "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = ops-secret\n");

        var keys = await KeysAsync(Settings(("region", "eu-west-1"), ("profile", "ops")), Env(("AWS_ACCESS_KEY_ID", "AKIAENV"), ("AWS_SECRET_ACCESS_KEY", "x")));

        Assert.Equal("AKIAOPS", keys.AccessKeyId);
        Assert.Equal("ops-secret", keys.SecretAccessKey);
    }

    [Fact]
    public async Task AWS_PROFILE_names_the_profile_and_its_region_comes_from_the_config_file()
    {
        Files(credentials: "[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = ops-secret\naws_session_token = ops-token\n",
            config: "[default]\nregion = us-east-1\n[profile ops]\nregion = ap-southeast-2\n");
        var env = Env(("AWS_PROFILE", "ops"));

        var connection = AwsConnection.Resolve(Settings(), n => env.GetValueOrDefault(n));
        var keys = await connection.KeysAsync(CancellationToken.None);

        Assert.Equal("ap-southeast-2", connection.Region);
        Assert.Equal(new AwsCredentials("AKIAOPS", "ops-secret", "ops-token"), keys);
    }

    [Fact]
    public void The_region_setting_wins_then_AWS_REGION_then_AWS_DEFAULT_REGION_then_the_profile()
    {
        Files(credentials: "[default]\naws_access_key_id = A\naws_secret_access_key = B\n", config: "[default]\nregion = from-profile\n");
        string Region(ProviderSettings settings, params (string, string?)[] env)
        {
            var e = Env(env);
            return AwsConnection.Resolve(settings, n => e.GetValueOrDefault(n)).Region;
        }

        Assert.Equal("from-setting", Region(Settings(("region", "from-setting")), ("AWS_REGION", "from-env"), ("AWS_DEFAULT_REGION", "from-default")));
        Assert.Equal("from-env", Region(Settings(), ("AWS_REGION", "from-env"), ("AWS_DEFAULT_REGION", "from-default")));
        Assert.Equal("from-default", Region(Settings(), ("AWS_DEFAULT_REGION", "from-default")));
        Assert.Equal("from-profile", Region(Settings()));
    }

    [Fact]
    public void No_region_anywhere_is_an_error_that_says_where_to_set_one()
    {
        var env = Env(("AWS_ACCESS_KEY_ID", "A"), ("AWS_SECRET_ACCESS_KEY", "B"));

        var error = Assert.Throws<ProviderException>(() => AwsConnection.Resolve(Settings(), n => env.GetValueOrDefault(n)));

        Assert.Contains("no AWS region", error.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_REGION", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_named_profile_that_is_not_in_the_files_is_an_error_naming_it_and_the_files()
    {
        Files(credentials: "[default]\naws_access_key_id = A\naws_secret_access_key = B\n");
        var env = Env();

        var error = Assert.Throws<ProviderException>(() => AwsConnection.Resolve(Settings(("profile", "prod"), ("region", "r")), n => env.GetValueOrDefault(n)));

        Assert.Contains("profile 'prod'", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_home.Path, ".aws", "credentials"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_credential_process_profile_runs_the_script_and_uses_its_temporary_keys()
    {
        var script = Path.Combine(_home.Path, "creds.sh");
        File.WriteAllText(script, "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROCESS\", \"SecretAccessKey\": \"process-secret\", \"SessionToken\": \"process-token\", \"Expiration\": \"2099-01-01T00:00:00Z\"}'\n");
        MakeExecutable(script);
        Files(config: $"[profile tool]\nregion = eu-central-1\ncredential_process = {script}\n");

        var keys = await KeysAsync(Settings(("profile", "tool")), Env());

        Assert.Equal(new AwsCredentials("ASIAPROCESS", "process-secret", "process-token"), keys);
    }

    [Fact]
    public async Task A_credential_process_that_fails_is_an_error_naming_the_profile()
    {
        var script = Path.Combine(_home.Path, "fail.sh");
        File.WriteAllText(script, "#!/bin/sh\necho 'token expired, run aws sso login' >&2\nexit 2\n");
        MakeExecutable(script);
        Files(config: $"[profile tool]\nregion = eu-central-1\ncredential_process = {script}\n");

        var error = await Assert.ThrowsAsync<ProviderException>(() => KeysAsync(Settings(("profile", "tool")), Env()));

        Assert.Contains("profile 'tool'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Container_credentials_are_fetched_from_the_full_uri_with_the_authorization_token()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        app.Run(async context =>
        {
            if (context.Request.Headers.Authorization != "container-token")
            {
                context.Response.StatusCode = 401;
                return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"container-secret","Token":"container-session","Expiration":"2099-01-01T00:00:00Z"}""");
        });
        await app.StartAsync();

        var keys = await KeysAsync(Settings(("region", "eu-west-1")),
            Env(("AWS_CONTAINER_CREDENTIALS_FULL_URI", app.Urls.First() + "/creds"), ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-token")));

        Assert.Equal(new AwsCredentials("ASIACONTAINER", "container-secret", "container-session"), keys);
    }

    [Fact]
    public void A_container_full_uri_to_a_remote_plain_http_host_is_refused()
    {
        var env = Env(("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://attacker.example/creds"));
        var credentials = new ContainerCredentials(n => env.GetValueOrDefault(n), new HttpClient(), TimeProvider.System);

        var error = Assert.Throws<ProviderException>(() => credentials.Endpoint);

        Assert.Contains("loopback", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_endpoint_is_the_setting_then_the_service_variable_then_AWS_ENDPOINT_URL_then_the_regional_one()
    {
        Uri Endpoint(ProviderSettings settings, params (string, string?)[] env)
        {
            var e = Env(env);
            return AwsConnection.Endpoint(settings, n => e.GetValueOrDefault(n), "ECS", "ecs", "eu-west-1");
        }

        Assert.Equal("http://setting:1/", Endpoint(Settings(("endpoint_url", "http://setting:1")), ("AWS_ENDPOINT_URL_ECS", "http://ecs:2"), ("AWS_ENDPOINT_URL", "http://all:3")).ToString());
        Assert.Equal("http://ecs:2/", Endpoint(Settings(), ("AWS_ENDPOINT_URL_ECS", "http://ecs:2"), ("AWS_ENDPOINT_URL", "http://all:3")).ToString());
        Assert.Equal("http://all:3/", Endpoint(Settings(), ("AWS_ENDPOINT_URL", "http://all:3")).ToString());
        Assert.Equal("https://ecs.eu-west-1.amazonaws.com/", Endpoint(Settings()).ToString());
        Assert.Throws<ProviderException>(() => Endpoint(Settings(("endpoint_url", "ftp://nope"))));
    }

    [Fact]
    public async Task Session_credentials_from_a_profile_sign_requests_the_server_accepts()
    {
        var server = fixture.Server;
        var cluster = EcsServerFixture.NewCluster();
        server.SeedService(cluster, "web", "registry.example/web:1", 1);
        var session = server.AddSessionCredentials("sso-user");
        Files(credentials: $"[sso]\naws_access_key_id = {session.AccessKeyId}\naws_secret_access_key = {session.SecretAccessKey}\naws_session_token = {session.SessionToken}\n",
            config: $"[profile sso]\nregion = {server.Region}\n");
        var env = Env(("AWS_ENDPOINT_URL", server.Endpoint.ToString()));

        var state = await AwsTarget.Backend(env, AwsTarget.Settings(cluster, ("profile", "sso"))).DescribeAsync("web", CancellationToken.None);

        Assert.Equal(1, state.DesiredReplicas);
        Assert.Contains(server.Calls, c => c.AccessKeyId == session.AccessKeyId && c.Status == 200);
    }

    [Fact]
    public async Task A_request_signed_with_a_session_key_but_no_token_is_refused_as_forbidden()
    {
        var server = fixture.Server;
        var cluster = EcsServerFixture.NewCluster();
        server.SeedService(cluster, "web", "registry.example/web:1", 1);
        var session = server.AddSessionCredentials("sso-user");
        var env = AwsTarget.Environment(server, session with { SessionToken = null });

        var error = await Assert.ThrowsAsync<ProviderException>(() => AwsTarget.Backend(env, AwsTarget.Settings(cluster)).DescribeAsync("web", CancellationToken.None));

        Assert.Equal(ProviderErrorKind.Forbidden, error.Kind);
        Assert.Contains("forbidden", error.Message, StringComparison.Ordinal);
    }
}
