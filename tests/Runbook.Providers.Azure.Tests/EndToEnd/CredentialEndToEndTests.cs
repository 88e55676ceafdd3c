using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Runbook.Tests;

namespace Runbook.Providers.Azure.Tests.EndToEnd;

/// <summary>
/// Each credential kind az users have, found by `runbook` itself (JIT build and native binary) from its environment:
/// the token comes from the Entra ID / managed identity stand-in over HTTPS and ARM accepts it; and the ways it goes
/// wrong reach the operator in Entra ID's words.
/// </summary>
public sealed class CredentialEndToEndTests
{
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

    public static TheoryData<string, string> Kinds()
    {
        var data = new TheoryData<string, string>();
        foreach (var target in new[] { "jit", "native" })
        {
            foreach (var kind in new[] { "secret", "certificate", "workload identity", "IDENTITY_ENDPOINT", "instance metadata" })
            {
                data.Add(target, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Each_credential_kind_gets_a_token_the_arm_server_accepts(string target, string kind)
    {
        await using var world = await AzureWorld.StartAsync();
        world.Server.SeedApp(world.Group, "web", "registry.example/web:1");
        world.Write("describe.yaml", Describe);
        (string, string?)[] credential;
        string principal;
        switch (kind)
        {
            case "secret":
                credential = [];
                principal = "sp:" + AzureWorld.ClientId;
                break;
            case "certificate":
                using (var key = RSA.Create(2048))
                {
                    using var certificate = new CertificateRequest("CN=runbook-e2e-cert", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                        .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
                    world.Write("sp.pem", certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
                    world.Identity.AddCertificate(AzureWorld.Tenant, "cert-app", certificate);
                }

                credential = [("AZURE_CLIENT_ID", "cert-app"), ("AZURE_CLIENT_SECRET", null), ("AZURE_CLIENT_CERTIFICATE_PATH", Path.Combine(world.Folder, "sp.pem"))];
                principal = "sp:cert-app";
                break;
            case "workload identity":
                world.Write("sa-token", "eyJ-kubernetes-service-account");
                world.Identity.AddFederated(AzureWorld.Tenant, "wi-app", "eyJ-kubernetes-service-account");
                credential = [("AZURE_CLIENT_ID", "wi-app"), ("AZURE_CLIENT_SECRET", null), ("AZURE_FEDERATED_TOKEN_FILE", Path.Combine(world.Folder, "sa-token"))];
                principal = "wi:wi-app";
                break;
            case "IDENTITY_ENDPOINT":
                world.Identity.AddManagedIdentity(null);
                credential = [.. NoServicePrincipal, ("IDENTITY_ENDPOINT", new Uri(world.Identity.Url, "msi/token").ToString()), ("IDENTITY_HEADER", world.Identity.IdentityHeader)];
                principal = "mi:system";
                break;
            default:
                world.Identity.AddManagedIdentity("uami-client");
                credential = [.. NoServicePrincipal, ("AZURE_POD_IDENTITY_AUTHORITY_HOST", world.Identity.Url.ToString()), ("RUNBOOK_AZURE_CLIENT_ID", "uami-client")];
                principal = "mi:uami-client";
                break;
        }

        var result = world.Run(target, world.Environment(credential), "exec", "describe.yaml", "--provider", "azure", "--journal", "j.db");

        Assert.True(result.ExitCode == 0, result.Out);
        Assert.Equal(principal, world.Identity.Tokens[0].Principal);
        Assert.Contains(world.Server.Requests, r => r.StartsWith("GET ", StringComparison.Ordinal) && r.Contains("/containerApps/web", StringComparison.Ordinal));
    }

    private static readonly (string, string?)[] NoServicePrincipal = [("AZURE_CLIENT_ID", null), ("AZURE_CLIENT_SECRET", null), ("AZURE_TENANT_ID", null)];

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_wrong_client_secret_stops_the_run_with_AADSTS7000215_naming_the_service_principal(string target)
    {
        await using var world = await AzureWorld.StartAsync();
        world.Server.SeedApp(world.Group, "web", "registry.example/web:1");
        world.Write("describe.yaml", Describe);

        var result = world.Run(target, world.Environment(("AZURE_CLIENT_SECRET", "not-the-secret")), "exec", "describe.yaml", "--provider", "azure", "--journal", "j.db");

        Assert.True(result.ExitCode == 1, result.Out);
        Assert.Contains($"cannot get an Azure token from the environment's service principal (AZURE_CLIENT_ID={AzureWorld.ClientId}", result.Out, StringComparison.Ordinal);
        Assert.Contains("AADSTS7000215: Invalid client secret provided.", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Out, StringComparison.Ordinal); // no stack trace
        Assert.Empty(world.Server.Requests);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task No_credential_at_all_is_one_message_listing_what_was_tried_and_how_to_fix_it(string target)
    {
        await using var world = await AzureWorld.StartAsync();
        world.Server.SeedApp(world.Group, "web", "registry.example/web:1");
        world.Write("describe.yaml", Describe);

        // No service principal; the metadata service is a port nobody listens on; no az on PATH.
        var result = world.Run(target, world.Environment([.. NoServicePrincipal, ("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9/")]),
            "exec", "describe.yaml", "--provider", "azure", "--journal", "j.db");

        Assert.True(result.ExitCode == 1, result.Out);
        Assert.Contains("no Azure credential: tried, in order, EnvironmentCredential:", result.Out, StringComparison.Ordinal);
        Assert.Contains("WorkloadIdentityCredential: workload identity (AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID not set)", result.Out, StringComparison.Ordinal);
        Assert.Contains("ManagedIdentityCredential: no instance metadata service answered at http://127.0.0.1:9", result.Out, StringComparison.Ordinal);
        Assert.Contains("AzureCliCredential: az is not on PATH", result.Out, StringComparison.Ordinal);
        Assert.Contains("Fix: run 'az login'", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Out, StringComparison.Ordinal);
        Assert.Empty(world.Server.Requests);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Tokens_near_their_expiry_are_renewed_during_a_run_and_each_renewed_one_is_accepted(string target)
    {
        await using var world = await AzureWorld.StartAsync();
        world.Identity.TokenLifetime = TimeSpan.FromSeconds(90); // inside the five minutes before expiry in which a token is renewed
        world.Server.SeedApp(world.Group, "web", "registry.example/web:1");
        world.Write("describe.yaml", Describe);

        var result = world.Run(target, world.Environment(), "exec", "describe.yaml", "--provider", "azure", "--journal", "j.db");

        Assert.True(result.ExitCode == 0, result.Out);
        Assert.True(world.Identity.Tokens.Count >= 2, $"{world.Identity.Tokens.Count} token(s) for {world.Server.Requests.Count} ARM requests");
    }

    public static TheoryData<string> Targets() => RunbookBinary.Targets();
}
