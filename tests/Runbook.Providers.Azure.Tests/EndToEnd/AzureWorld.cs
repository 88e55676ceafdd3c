using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Runbook.Providers.Azure.Tests.ArmServer;
using Runbook.Providers.Azure.Tests.Identity;
using Runbook.Tests;

namespace Runbook.Providers.Azure.Tests.EndToEnd;

/// <summary>
/// What `runbook` meets in an end-to-end test: the ARM test server, the Entra ID / managed identity stand-in whose
/// tokens the server accepts, one folder for the run's files (its HOME too: no ~/.azure of this machine), and an
/// environment with nothing of this machine's Azure configuration — the child trusts the two test CAs through
/// SSL_CERT_FILE, as the native binary must.
/// </summary>
internal sealed class AzureWorld : IAsyncDisposable
{
    public const string Tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    public const string ClientId = "runbook-e2e";
    public const string Secret = "e2e-secret-value";

    private AzureWorld(ContainerAppsTestServer server, TestAuthority authority, IdentityStandIn identity)
    {
        Server = server;
        Authority = authority;
        Identity = identity;
        Folder = Directory.CreateTempSubdirectory("runbook-azure-e2e-").FullName;
        Group = ArmServerFixture.NewResourceGroup();
        identity.Issued = (token, principal) => server.AcceptToken(token, principal);
        identity.AddClientSecret(Tenant, ClientId, Secret);
        CertificateBundle = authority.Bundle(server.CaCertificatePath);
    }

    public ContainerAppsTestServer Server { get; }

    public TestAuthority Authority { get; }

    public IdentityStandIn Identity { get; }

    public string Folder { get; }

    public string Group { get; }

    /// <summary>Both test CAs, for SSL_CERT_FILE.</summary>
    public string CertificateBundle { get; }

    public static async Task<AzureWorld> StartAsync(ArmServerOptions? options = null)
    {
        var server = await ContainerAppsTestServer.StartAsync(options);
        var authority = new TestAuthority();
        return new AzureWorld(server, authority, await IdentityStandIn.StartAsync(authority));
    }

    /// <summary>
    /// The environment of a run whose credential is the environment's service principal (the default), with the
    /// provider's settings as RUNBOOK_AZURE_* variables; <paramref name="more"/> is applied last (null removes).
    /// </summary>
    public (string Name, string? Value)[] Environment(params (string Name, string? Value)[] more) =>
    [
        ("SSL_CERT_FILE", CertificateBundle),
        ("AZURE_AUTHORITY_HOST", Identity.Url.ToString()),
        ("AZURE_TENANT_ID", Tenant),
        ("AZURE_CLIENT_ID", ClientId),
        ("AZURE_CLIENT_SECRET", Secret),
        ("AZURE_SUBSCRIPTION_ID", Server.Subscription),
        ("RUNBOOK_AZURE_ENDPOINT", Server.Endpoint.ToString()),
        ("RUNBOOK_AZURE_RESOURCE_GROUP", Group),
        ("RUNBOOK_AZURE_POLL_INTERVAL", "200ms"),
        .. more,
    ];

    /// <summary>
    /// Runs runbook in <see cref="Folder"/> with HOME there and no AZURE_*, RUNBOOK_AZURE_*, IDENTITY_* or MSI_*
    /// variable of this machine; PATH keeps only the system folders (no az of this machine).
    /// </summary>
    public (int ExitCode, string Out) Run(string target, (string Name, string? Value)[] environment, params string[] args)
    {
        var machine = System.Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("AZURE_", StringComparison.Ordinal) || k.StartsWith("RUNBOOK_AZURE_", StringComparison.Ordinal)
                || k.StartsWith("IDENTITY_", StringComparison.Ordinal) || k.StartsWith("MSI_", StringComparison.Ordinal))
            .Select(k => (k, (string?)null));
        return RunbookBinary.Run(target, Folder, [("HOME", Folder), ("PATH", "/usr/bin:/bin"), .. machine, .. environment], [], args);
    }

    public void Write(string name, string text) => File.WriteAllText(Path.Combine(Folder, name), text);

    public async ValueTask DisposeAsync()
    {
        await Identity.DisposeAsync();
        await Server.DisposeAsync();
        Authority.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
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
            await context.Response.WriteAsync("ok");
        });
    }

    public string Url => _app.Urls.First().TrimEnd('/') + "/";

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
