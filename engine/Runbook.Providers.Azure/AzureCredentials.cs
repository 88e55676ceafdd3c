using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Runbook.Execution.Providers;
using Runbook.Providers.Azure.Credentials;

namespace Runbook.Providers.Azure;

/// <summary>
/// The credential az users have, in DefaultAzureCredential's order: the environment's service principal (secret or
/// certificate), workload identity (AKS), managed identity, then the Azure CLI's login. Built from the caller's
/// <c>environment</c> function only (never the process environment), narrowed by the 'tenant_id' and 'client_id'
/// settings and by AZURE_TOKEN_CREDENTIALS (dev, prod, or one credential's name) as Azure.Identity reads it.
/// Entra ID is the authority host of the target's cloud.
/// </summary>
internal static class AzureCredentials
{
    private const string Fix =
        "Fix: run 'az login' (and 'az account set --subscription …'); or export AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET "
        + "(or AZURE_CLIENT_CERTIFICATE_PATH) for a service principal; on AKS enable workload identity (AZURE_FEDERATED_TOKEN_FILE); "
        + "on Azure compute give the host a managed identity (and 'client_id: …' for a user-assigned one).";

    public static TokenCredential Create(ProviderSettings settings, Func<string, string?> environment, ArmTarget target) =>
        Create(settings, environment, target, null, TimeProvider.System);

    /// <param name="handler">For tests: what the identity requests go through (a handler trusting the test CA); null for the system's.</param>
    internal static CredentialChain Create(ProviderSettings settings, Func<string, string?> environment, ArmTarget target, HttpMessageHandler? handler, TimeProvider time)
    {
        string? Env(string name) => environment(name) is { Length: > 0 } value ? value : null;
        var tenant = settings.Get("tenant_id") ?? Env("AZURE_TENANT_ID");
        var identityClient = settings.Get("client_id");

        T Options<T>(T options)
            where T : TokenCredentialOptions
        {
            options.AuthorityHost = target.AuthorityHost;
            if (handler is not null)
            {
                options.Transport = new HttpClientTransport(new HttpClient(handler, disposeHandler: false));
            }

            return options;
        }

        // Known clouds are in MSAL's list; another authority (Azure Stack Hub, a private cloud, a test stand-in) would
        // otherwise be checked against login.microsoftonline.com, which a disconnected cloud cannot reach.
        var discover = AzureCloud.All.Any(c => c.AuthorityHost.Host == target.AuthorityHost.Host);
        var sources = new List<CredentialSource>
        {
            EnvironmentServicePrincipal(Env, target, () => Options(new ClientSecretCredentialOptions { DisableInstanceDiscovery = !discover }),
                () => Options(new ClientCertificateCredentialOptions { DisableInstanceDiscovery = !discover, SendCertificateChain = Env("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN") is "1" or "true" })),
            WorkloadIdentity(Env, tenant, identityClient, () => Options(new WorkloadIdentityCredentialOptions { DisableInstanceDiscovery = !discover })),
            ManagedIdentity(environment, identityClient, handler, time),
            AzureCli(environment, settings.Get("tenant_id"), time),
        };

        return new CredentialChain(Narrow(sources, Env("AZURE_TOKEN_CREDENTIALS")), Fix);
    }

    /// <summary>
    /// AZURE_TOKEN_CREDENTIALS as Azure.Identity reads it: "prod" (environment, workload identity, managed identity),
    /// "dev" (the developer's tools: here the Azure CLI), or one credential's class name.
    /// </summary>
    private static List<CredentialSource> Narrow(List<CredentialSource> sources, string? selection)
    {
        if (selection is null)
        {
            return sources;
        }

        string[] names = selection.Trim().ToLowerInvariant() switch
        {
            "prod" => ["EnvironmentCredential", "WorkloadIdentityCredential", "ManagedIdentityCredential"],
            "dev" => ["AzureCliCredential"],
            "environmentcredential" => ["EnvironmentCredential"],
            "workloadidentitycredential" => ["WorkloadIdentityCredential"],
            "managedidentitycredential" => ["ManagedIdentityCredential"],
            "azureclicredential" => ["AzureCliCredential"],
            _ => throw new ProviderException(ProviderErrorKind.Failed,
                $"AZURE_TOKEN_CREDENTIALS is '{selection}': give prod, dev, EnvironmentCredential, WorkloadIdentityCredential, ManagedIdentityCredential or AzureCliCredential (or unset it to try them all)"),
        };
        return [.. sources.Where(s => names.Contains(s.Name))];
    }

    private static CredentialSource EnvironmentServicePrincipal(Func<string, string?> env, ArmTarget target,
        Func<ClientSecretCredentialOptions> secretOptions, Func<ClientCertificateCredentialOptions> certificateOptions)
    {
        const string Name = "EnvironmentCredential";
        var (tenant, client, secret, certificate) = (env("AZURE_TENANT_ID"), env("AZURE_CLIENT_ID"), env("AZURE_CLIENT_SECRET"), env("AZURE_CLIENT_CERTIFICATE_PATH"));
        var missing = new List<string>();
        if (tenant is null)
        {
            missing.Add("AZURE_TENANT_ID");
        }

        if (client is null)
        {
            missing.Add("AZURE_CLIENT_ID");
        }

        if (secret is null && certificate is null)
        {
            missing.Add("AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH");
        }

        if (missing.Count > 0)
        {
            return CredentialSource.NotConfigured(Name, "the environment's service principal", $"the environment's service principal ({string.Join(", ", missing)} not set)");
        }

        if (secret is not null)
        {
            return new CredentialSource(Name, $"the environment's service principal (AZURE_CLIENT_ID={client}, client secret, authority {target.AuthorityHost})",
                () => new ClientSecretCredential(tenant, client, secret, secretOptions()));
        }

        return new CredentialSource(Name, $"the environment's service principal (AZURE_CLIENT_ID={client}, certificate {certificate}, authority {target.AuthorityHost})",
            () => new ClientCertificateCredential(tenant, client, certificate, certificateOptions()));
    }

    private static CredentialSource WorkloadIdentity(Func<string, string?> env, string? tenant, string? clientSetting, Func<WorkloadIdentityCredentialOptions> options)
    {
        const string Name = "WorkloadIdentityCredential";
        var file = env("AZURE_FEDERATED_TOKEN_FILE");
        var client = clientSetting ?? env("AZURE_CLIENT_ID");
        if (file is null || client is null || tenant is null)
        {
            var missing = string.Join(", ", new[] { file is null ? "AZURE_FEDERATED_TOKEN_FILE" : null, client is null ? "AZURE_CLIENT_ID" : null, tenant is null ? "AZURE_TENANT_ID" : null }
                .OfType<string>());
            return CredentialSource.NotConfigured(Name, "workload identity", $"workload identity ({missing} not set)");
        }

        return new CredentialSource(Name, $"workload identity (client {client}, token file {file})", () =>
        {
            var o = options();
            o.TenantId = tenant;
            o.ClientId = client;
            o.TokenFilePath = file;
            return new WorkloadIdentityCredential(o);
        });
    }

    private static CredentialSource ManagedIdentity(Func<string, string?> environment, string? clientId, HttpMessageHandler? handler, TimeProvider time)
    {
        // The identity endpoints are link-local or loopback: never through a proxy (HTTPS_PROXY would route them away).
        var http = handler is null ? new HttpClient(new SocketsHttpHandler { UseProxy = false }) : new HttpClient(handler, disposeHandler: false);
        var (credential, description) = ManagedIdentityToken.Create(environment, clientId, http, time);
        return new CredentialSource("ManagedIdentityCredential", description, () => credential);
    }

    private static CredentialSource AzureCli(Func<string, string?> environment, string? tenant, TimeProvider time) =>
        new("AzureCliCredential", "the Azure CLI's login (az account get-access-token)", () => new AzureCliToken(environment, tenant, time));
}
