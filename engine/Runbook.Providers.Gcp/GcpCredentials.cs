using System.Text.Json;
using Runbook.Execution.Providers;
using Runbook.Providers.Gcp.Credentials;

namespace Runbook.Providers.Gcp;

/// <summary>An OAuth access token for the Cloud Platform scope, fetched once and refreshed before it expires.</summary>
internal interface IAccessTokenSource
{
    ValueTask<string> GetTokenAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The credentials gcloud users have (application-default credentials), the project they name, if any, where they came
/// from, for messages ("GOOGLE_APPLICATION_CREDENTIALS (/keys/ci.json, a service-account key)"), and the quota project
/// Google's clients send as the x-goog-user-project header (GOOGLE_CLOUD_QUOTA_PROJECT, else the file's
/// quota_project_id): with a user's login, APIs bill and count quota there instead of on gcloud's own OAuth client.
/// </summary>
internal sealed record GoogleIdentity(IAccessTokenSource Tokens, string? Project, string Source = "a token given to the provider", string? QuotaProject = null);

/// <summary>
/// Application-default credentials, found where Google's libraries look, in their order: the file
/// GOOGLE_APPLICATION_CREDENTIALS names, else gcloud's application-default file, else the metadata server. Files may be
/// service-account keys, authorized-user files, impersonated-service-account files or external-account (workload
/// identity federation) configurations. The token exchanges are our own (OAuth 2.0 over HttpClient, JSON through
/// source generation) rather than Google.Apis.Auth's, whose credential and token parsing goes through Newtonsoft.Json
/// reflection that NativeAOT trims away (rooting it keeps it working but gives 8 trim warnings); nothing here reads the
/// process environment: it all comes from <c>environment</c>.
/// </summary>
internal static class GcpCredentials
{
    public const string CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

    private static readonly HttpClient SharedHttp = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static Task<GoogleIdentity> ResolveAsync(Func<string, string?> environment, CancellationToken cancellationToken) =>
        ResolveAsync(environment, SharedHttp, TimeProvider.System, cancellationToken);

    public static async Task<GoogleIdentity> ResolveAsync(Func<string, string?> environment, HttpClient http, TimeProvider time, CancellationToken cancellationToken)
    {
        var client = new TokenClient(http, time);
        var gcloud = new GcloudConfig(environment);
        if (environment("GOOGLE_APPLICATION_CREDENTIALS") is { Length: > 0 } named)
        {
            if (!File.Exists(named))
            {
                throw new ProviderException(ProviderErrorKind.Failed,
                    $"GOOGLE_APPLICATION_CREDENTIALS names {named}, which does not exist: export it with the path of a key or credentials file, or unset it to use `gcloud auth application-default login`");
            }

            return FromFile(named, $"GOOGLE_APPLICATION_CREDENTIALS ({named}", client, http, gcloud);
        }

        var wellKnown = gcloud.ApplicationDefaultFile;
        if (File.Exists(wellKnown))
        {
            return FromFile(wellKnown, $"gcloud's application-default credentials ({wellKnown}", client, http, gcloud);
        }

        if (await MetadataServer.IsThereAsync(environment, http, cancellationToken).ConfigureAwait(false))
        {
            var metadata = MetadataServer.At(environment, client);
            return new GoogleIdentity(metadata.Tokens(), await metadata.ProjectAsync(cancellationToken).ConfigureAwait(false), metadata.Described, gcloud.QuotaProject);
        }

        throw new ProviderException(ProviderErrorKind.Failed,
            $"no Google credentials: run `gcloud auth application-default login`, or export GOOGLE_APPLICATION_CREDENTIALS=/path/to/key.json (a service-account key or a workload identity federation configuration). "
            + $"Looked for GOOGLE_APPLICATION_CREDENTIALS (not set), {wellKnown} (not there) and the metadata server ({NoMetadata(environment)})");
    }

    private static string NoMetadata(Func<string, string?> environment) =>
        string.Equals(environment("NO_GCE_CHECK"), "true", StringComparison.OrdinalIgnoreCase)
            ? "not asked: NO_GCE_CHECK=true"
            : $"none answered at {environment("GCE_METADATA_IP") ?? environment("GCE_METADATA_HOST") ?? "169.254.169.254"}";

    /// <summary>A credentials file of any supported type; <paramref name="where"/> opens the description, its type closes it.</summary>
    private static GoogleIdentity FromFile(string path, string where, TokenClient client, HttpClient http, GcloudConfig gcloud)
    {
        CredentialFile? file;
        try
        {
            file = JsonSerializer.Deserialize(File.ReadAllText(path), CredentialJsonContext.Default.CredentialFile);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"{where}) is not a readable Google credentials file: {ex.Message}", ex);
        }

        if (file is null)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"{where}) is not a Google credentials file (it is JSON null)");
        }

        var described = $"{where}, {Kind(file.Type)})";
        var quota = gcloud.QuotaProject ?? file.QuotaProjectId;
        return file.Type switch
        {
            "service_account" => new GoogleIdentity(ServiceAccountKey.Tokens(file, described, client), file.ProjectId, described, quota),
            "authorized_user" => new GoogleIdentity(AuthorizedUser.Tokens(file, described, client), file.QuotaProjectId ?? gcloud.Project, described, quota),
            "external_account" => new GoogleIdentity(ExternalAccount.Tokens(file, described, client, http), null, described, quota),
            "impersonated_service_account" => new GoogleIdentity(
                ImpersonatedServiceAccount.Tokens(file, described, client, (source, name) => SourceTokens(source, name, client)), file.QuotaProjectId ?? gcloud.Project, described, quota),
            _ => throw new ProviderException(ProviderErrorKind.Failed,
                $"{where}) has \"type\": \"{file.Type}\", which is not a credentials type runbook knows (service_account, authorized_user, external_account, impersonated_service_account)"),
        };
    }

    /// <summary>The source credentials of an impersonated-service-account file: a user login or a service-account key.</summary>
    private static IAccessTokenSource SourceTokens(CredentialFile source, string described, TokenClient client) => source.Type switch
    {
        "authorized_user" => AuthorizedUser.Tokens(source, $"{described} (authorized user)", client),
        "service_account" => ServiceAccountKey.Tokens(source, $"{described} (service-account key)", client),
        _ => throw new ProviderException(ProviderErrorKind.Failed, $"{described} has \"type\": \"{source.Type}\"; impersonation starts from authorized_user or service_account credentials"),
    };

    private static string Kind(string? type) => type switch
    {
        "service_account" => "a service-account key",
        "authorized_user" => "an authorized-user login",
        "external_account" => "a workload identity federation configuration",
        "impersonated_service_account" => "an impersonated service account",
        _ => $"type '{type}'",
    };
}
