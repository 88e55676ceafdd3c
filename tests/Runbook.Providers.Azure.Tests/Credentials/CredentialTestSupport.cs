using System.Collections.Immutable;
using Azure.Core;
using Runbook.Execution.Providers;
using Runbook.Providers.Azure.Credentials;
using Runbook.Providers.Azure.Tests.Identity;

namespace Runbook.Providers.Azure.Tests.Credentials;

/// <summary>
/// One test's identity world: a test CA, the Entra ID / managed identity stand-in, a HOME and a PATH of its own
/// (so no ~/.azure and no az of this machine leak in), and the environment the credential reads — never the
/// process's, so the tests run in parallel.
/// </summary>
internal sealed class IdentityWorld : IAsyncDisposable
{
    public const string Tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    private IdentityWorld(TestAuthority authority, IdentityStandIn standIn)
    {
        Authority = authority;
        StandIn = standIn;
        Home = Directory.CreateTempSubdirectory("runbook-azure-home-").FullName;
        Bin = Directory.CreateDirectory(Path.Combine(Home, "bin")).FullName;
        Environment = new(StringComparer.Ordinal)
        {
            ["HOME"] = Home,
            ["PATH"] = Bin,
            ["AZURE_AUTHORITY_HOST"] = standIn.Url.ToString(),
            ["AZURE_SUBSCRIPTION_ID"] = "00000000-0000-0000-0000-000000000001",
        };
    }

    public TestAuthority Authority { get; }

    public IdentityStandIn StandIn { get; }

    public string Home { get; }

    /// <summary>The only folder on PATH: empty unless a test puts an executable there.</summary>
    public string Bin { get; }

    public Dictionary<string, string?> Environment { get; }

    public static async Task<IdentityWorld> StartAsync()
    {
        var authority = new TestAuthority();
        return new IdentityWorld(authority, await IdentityStandIn.StartAsync(authority));
    }

    public static ProviderSettings Settings(params (string Key, string Value)[] values) =>
        new("azure", ImmutableDictionary.CreateRange(StringComparer.Ordinal,
                new[] { ("resource_group", "rg-test") }.Concat(values).GroupBy(v => v.Item1).Select(g => new KeyValuePair<string, string>(g.Key, g.Last().Item2))),
            ImmutableDictionary<string, string>.Empty, Path.GetTempPath());

    public string? Env(string name) => Environment.GetValueOrDefault(name);

    public ArmTarget Target(ProviderSettings settings) => ArmTarget.Resolve(settings, Env);

    /// <summary>The credential as the provider builds it, with identity requests trusting the test CA.</summary>
    public CredentialChain Credential(ProviderSettings? settings = null, TimeProvider? time = null)
    {
        settings ??= Settings();
        return AzureCredentials.Create(settings, Env, Target(settings), Authority.CreateTrustingHandler(), time ?? TimeProvider.System);
    }

    public static async Task<AccessToken> TokenAsync(TokenCredential credential, ArmTarget target) =>
        await credential.GetTokenAsync(new TokenRequestContext([target.Scope]), CancellationToken.None);

    /// <summary>The service principal environment variables for a secret.</summary>
    public void ServicePrincipal(string client, string secret)
    {
        Environment["AZURE_TENANT_ID"] = Tenant;
        Environment["AZURE_CLIENT_ID"] = client;
        Environment["AZURE_CLIENT_SECRET"] = secret;
    }

    /// <summary>Writes an executable script into <see cref="Bin"/>.</summary>
    public string Executable(string name, string script)
    {
        var path = Path.Combine(Bin, name);
        File.WriteAllText(path, script);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await StandIn.DisposeAsync();
        Authority.Dispose();
        Directory.Delete(Home, recursive: true);
    }
}
