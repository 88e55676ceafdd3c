using System.Text.Json.Nodes;
using Runbook.Tests;

namespace Runbook.Providers.Gcp.Tests.EndToEnd;

/// <summary>
/// Each kind of Google credentials works in `runbook` itself — the JIT build and the native binary, where trimming
/// would break anything that needs reflection — and the project comes from the credentials where they name one. The
/// Cloud Run server accepts only tokens the identity stand-in issued to the principal each test expects.
/// </summary>
public sealed class CredentialKindEndToEndTests
{
    public static TheoryData<string> Targets() => RunbookBinary.Targets();

    private static (int ExitCode, string Out) Describe(
        string target, World world, TempFolder folder, string principal, bool withProject, params (string, string?)[] environment)
    {
        world.OnlyPrincipal = principal;
        world.Server.SeedService("web", "europe-docker.pkg.dev/p/app/web:1");
        folder.Write("describe.yaml", ExecEndToEndTests.Describe);
        folder.Write("runbook.yaml", world.Config(withProject));
        return ExecEndToEndTests.Run(target, folder.Path, environment, "exec", "describe.yaml", "--env", "prod", "--journal", "j.db");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_service_account_key_signs_its_JWT_in_runbook_and_its_project_id_is_the_project(string target)
    {
        await using var world = await World.StartAsync();
        using var folder = new TempFolder();
        var key = folder.Write("key.json", world.Google.ServiceAccountKeyFile("ci@runbook-test-project.iam.gserviceaccount.com", world.Server.Project));

        var (exitCode, output) = Describe(target, world, folder, "ci@runbook-test-project.iam.gserviceaccount.com", withProject: false,
            ("GOOGLE_APPLICATION_CREDENTIALS", key), ("NO_GCE_CHECK", "true"));

        Assert.True(exitCode == 0, output);
        Assert.Equal(1, world.Google.Grants("urn:ietf:params:oauth:grant-type:jwt-bearer"));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task The_gcloud_application_default_login_refreshes_in_runbook_and_its_quota_project_is_the_project(string target)
    {
        await using var world = await World.StartAsync();
        using var folder = new TempFolder();
        folder.Write(".config/gcloud/application_default_credentials.json", world.Google.AuthorizedUserFile("alice@example.com", world.Server.Project));

        var (exitCode, output) = Describe(target, world, folder, "alice@example.com", withProject: false, ("NO_GCE_CHECK", "true"));

        Assert.True(exitCode == 0, output);
        Assert.Equal(1, world.Google.Grants("refresh_token"));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task The_metadata_server_gives_runbook_its_token_and_project_when_no_file_is_there(string target)
    {
        await using var world = await World.StartAsync();
        using var folder = new TempFolder();
        world.Google.MetadataProject = world.Server.Project;

        var (exitCode, output) = Describe(target, world, folder, world.Google.MetadataPrincipal, withProject: false,
            ("GCE_METADATA_HOST", world.Google.MetadataHost), ("GCE_METADATA_IP", world.Google.MetadataHost));

        Assert.True(exitCode == 0, output);
        Assert.Contains(world.Google.Requests, r => r == "GET /computeMetadata/v1/instance/service-accounts/default/token metadata");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Workload_identity_federation_exchanges_the_subject_token_and_impersonates_in_runbook(string target)
    {
        await using var world = await World.StartAsync();
        using var folder = new TempFolder();
        const string Federated = "principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/subject/repo:acme/app";
        const string Account = "deployer@runbook-test-project.iam.gserviceaccount.com";
        var audience = world.Google.WorkloadIdentityPool("eyJ-ci-oidc", Federated);
        world.Google.AllowImpersonation(Federated, Account);
        var config = folder.Write("wif.json", new JsonObject
        {
            ["type"] = "external_account",
            ["audience"] = audience,
            ["subject_token_type"] = "urn:ietf:params:oauth:token-type:jwt",
            ["token_url"] = world.Google.StsUri.ToString(),
            ["service_account_impersonation_url"] = world.Google.ImpersonationUri(Account).ToString(),
            ["credential_source"] = new JsonObject { ["file"] = folder.Write("oidc-token", "eyJ-ci-oidc") },
        }.ToJsonString());

        var (exitCode, output) = Describe(target, world, folder, Account, withProject: false,
            ("GOOGLE_APPLICATION_CREDENTIALS", config), ("GOOGLE_CLOUD_PROJECT", world.Server.Project), ("NO_GCE_CHECK", "true"));

        Assert.True(exitCode == 0, output);
        Assert.Equal(1, world.Google.Grants("urn:ietf:params:oauth:grant-type:token-exchange"));
        Assert.Equal(1, world.Google.Grants("generateAccessToken"));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task An_impersonated_service_account_login_gets_the_accounts_token_in_runbook(string target)
    {
        await using var world = await World.StartAsync();
        using var folder = new TempFolder();
        const string Account = "ops@runbook-test-project.iam.gserviceaccount.com";
        world.Google.AllowImpersonation("dana@example.com", Account);
        folder.Write(".config/gcloud/application_default_credentials.json", new JsonObject
        {
            ["type"] = "impersonated_service_account",
            ["service_account_impersonation_url"] = world.Google.ImpersonationUri(Account).ToString(),
            ["source_credentials"] = JsonNode.Parse(world.Google.AuthorizedUserFile("dana@example.com", null)),
            ["delegates"] = new JsonArray(),
        }.ToJsonString());

        var (exitCode, output) = Describe(target, world, folder, Account, withProject: true, ("NO_GCE_CHECK", "true"));

        Assert.True(exitCode == 0, output);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_key_the_token_endpoint_refuses_fails_the_step_with_Googles_words_and_no_call_reaches_Cloud_Run(string target)
    {
        await using var world = await World.StartAsync();
        using var folder = new TempFolder();
        var key = folder.Write("forged.json", world.Google.ForgedKeyFile("ci@runbook-test-project.iam.gserviceaccount.com", world.Server.Project));
        world.Google.ServiceAccountKeyFile("ci@runbook-test-project.iam.gserviceaccount.com", world.Server.Project);

        var (exitCode, output) = Describe(target, world, folder, "ci@runbook-test-project.iam.gserviceaccount.com", withProject: true,
            ("GOOGLE_APPLICATION_CREDENTIALS", key), ("NO_GCE_CHECK", "true"));

        Assert.True(exitCode == 1, output);
        Assert.Contains("invalid_grant: Invalid JWT Signature.", output, StringComparison.Ordinal);
        Assert.Contains(key, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.Empty(world.Server.Requests);
    }
}
