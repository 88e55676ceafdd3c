using System.Text.Json;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Gcp.Credentials;

/// <summary>
/// Workload identity federation ("type": "external_account", from `gcloud iam workload-identity-pools
/// create-cred-config`): a subject token read from a file or a URL is exchanged at Google's STS (token_url, RFC 8693
/// token exchange) for a federated token, which, when service_account_impersonation_url is set, is exchanged again
/// for the service account's token (IAM Credentials generateAccessToken). Supported sources: file and url (text or
/// json); AWS (environment_id aws1) and executable sources are refused with the reason.
/// </summary>
internal static class ExternalAccount
{
    public const string DefaultTokenUrl = "https://sts.googleapis.com/v1/token";

    public static IAccessTokenSource Tokens(CredentialFile config, string described, TokenClient client, HttpClient http)
    {
        if (config is not { Audience.Length: > 0, SubjectTokenType.Length: > 0, CredentialSource: { } source })
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"{described} has no audience, subject_token_type or credential_source: create it again with `gcloud iam workload-identity-pools create-cred-config`");
        }

        if (source.EnvironmentId is { Length: > 0 } environmentId)
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"{described} takes its subject token from {environmentId} (AWS), which runbook does not support: use a file- or URL-sourced configuration, or a service-account key");
        }

        if (source.Executable is not null || source is { File: null or "", Url: null or "" })
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"{described} has a credential_source that is neither 'file' nor 'url' (executable sources are not supported): use a file- or URL-sourced configuration");
        }

        var tokenUrl = Uris.Parse(config.TokenUrl ?? DefaultTokenUrl, "token_url", described);
        var impersonation = config.ServiceAccountImpersonationUrl is { Length: > 0 } text ? Uris.Parse(text, "service_account_impersonation_url", described) : null;
        const string Fix = "check the workload identity pool provider's attribute mapping and conditions, and that the subject token is current";
        return new CachedTokenSource(async cancellationToken =>
        {
            var subject = await SubjectTokenAsync(source, described, http, cancellationToken).ConfigureAwait(false);
            List<KeyValuePair<string, string>> form =
            [
                new("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
                new("audience", config.Audience),
                new("scope", GcpCredentials.CloudPlatformScope),
                new("requested_token_type", "urn:ietf:params:oauth:token-type:access_token"),
                new("subject_token", subject),
                new("subject_token_type", config.SubjectTokenType),
            ];
            if (impersonation is null && config.WorkforcePoolUserProject is { Length: > 0 } userProject)
            {
                form.Add(new("options", JsonSerializer.Serialize(new Dictionary<string, string> { ["userProject"] = userProject }, StringMapJson.Default.DictionaryStringString)));
            }

            var federated = await client.RequestTokenAsync(tokenUrl, form, described, Fix, cancellationToken).ConfigureAwait(false);
            return impersonation is null
                ? federated
                : await client.ImpersonateAsync(impersonation, federated.Value, null, described,
                    "grant the federated principal roles/iam.workloadIdentityUser (or serviceAccountTokenCreator) on the service account", cancellationToken).ConfigureAwait(false);
        }, client.Time);
    }

    /// <summary>The subject token: the file's or URL's text, or one field of its JSON when format.type is json.</summary>
    private static async Task<string> SubjectTokenAsync(CredentialSource source, string described, HttpClient http, CancellationToken cancellationToken)
    {
        string raw;
        string from;
        if (source.File is { Length: > 0 } file)
        {
            from = file;
            try
            {
                raw = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ProviderException(ProviderErrorKind.Failed, $"cannot read the subject token file {file} that {described} names: {ex.Message}", ex);
            }
        }
        else
        {
            var url = Uris.Parse(source.Url!, "credential_source.url", described);
            from = url.ToString();
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            foreach (var (name, value) in source.Headers ?? [])
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            try
            {
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                raw = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new ProviderException(ProviderErrorKind.Forbidden, $"the subject token URL {url} that {described} names answered {(int)response.StatusCode}: {raw.Trim()}");
                }
            }
            catch (HttpRequestException ex)
            {
                throw new ProviderException(ProviderErrorKind.Unavailable, $"cannot reach the subject token URL {url} that {described} names: {ex.Message}", ex);
            }
        }

        var token = raw.Trim();
        if (string.Equals(source.Format?.Type, "json", StringComparison.OrdinalIgnoreCase))
        {
            var field = source.Format!.SubjectTokenFieldName ?? "";
            try
            {
                using var document = JsonDocument.Parse(raw);
                token = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String
                    ? value.GetString()!
                    : "";
            }
            catch (JsonException)
            {
                token = "";
            }

            if (token.Length == 0)
            {
                throw new ProviderException(ProviderErrorKind.Failed, $"the subject token from {from} has no string field '{field}' (credential_source.format of {described})");
            }
        }

        return token.Length > 0 ? token : throw new ProviderException(ProviderErrorKind.Failed, $"the subject token from {from} ({described}) is empty");
    }
}

/// <summary>
/// "type": "impersonated_service_account" (gcloud auth application-default login --impersonate-service-account): the
/// source credentials' token exchanged for the target service account's through IAM Credentials generateAccessToken.
/// </summary>
internal static class ImpersonatedServiceAccount
{
    public static IAccessTokenSource Tokens(CredentialFile file, string described, TokenClient client, Func<CredentialFile, string, IAccessTokenSource> sourceTokens)
    {
        if (file is not { ServiceAccountImpersonationUrl.Length: > 0, SourceCredentials: { } source })
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"{described} has no service_account_impersonation_url or source_credentials: run `gcloud auth application-default login --impersonate-service-account=…` again");
        }

        var url = Uris.Parse(file.ServiceAccountImpersonationUrl, "service_account_impersonation_url", described);
        var inner = sourceTokens(source, $"the source_credentials of {described}");
        return new CachedTokenSource(async cancellationToken =>
        {
            var sourceToken = await inner.GetTokenAsync(cancellationToken).ConfigureAwait(false);
            return await client.ImpersonateAsync(url, sourceToken, file.Delegates, described,
                "grant your account roles/iam.serviceAccountTokenCreator on the service account", cancellationToken).ConfigureAwait(false);
        }, client.Time);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class StringMapJson : System.Text.Json.Serialization.JsonSerializerContext;
