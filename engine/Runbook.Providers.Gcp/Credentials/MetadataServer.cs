using Runbook.Execution.Providers;

namespace Runbook.Providers.Gcp.Credentials;

/// <summary>
/// The metadata server of Compute Engine, Cloud Run, GKE (workload identity) and Cloud Functions: the attached service
/// account's token and the project. Its host is GCE_METADATA_HOST (host[:port]) else metadata.google.internal, as
/// Google's libraries honour it; whether one is there is asked of GCE_METADATA_IP, else GCE_METADATA_HOST, else
/// 169.254.169.254, within GCE_METADATA_TIMEOUT seconds (3 by default, as google-auth), unless NO_GCE_CHECK=true.
/// </summary>
internal sealed class MetadataServer(Uri root, TokenClient client)
{
    private const string Fix = "check the service account attached to this instance, service or node pool (and, on GKE, the workload identity binding)";
    private static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(3);

    public Uri Root => root;

    public string Described => $"the metadata server ({root.Authority})";

    public static MetadataServer At(Func<string, string?> environment, TokenClient client) =>
        new(HostUri(Env(environment, "GCE_METADATA_HOST") ?? "metadata.google.internal"), client);

    /// <summary>Whether a metadata server answers (with the Metadata-Flavor: Google response header) where this environment says it would.</summary>
    public static async Task<bool> IsThereAsync(Func<string, string?> environment, HttpClient http, CancellationToken cancellationToken)
    {
        if (string.Equals(Env(environment, "NO_GCE_CHECK"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var probe = HostUri(Env(environment, "GCE_METADATA_IP") ?? Env(environment, "GCE_METADATA_HOST") ?? "169.254.169.254");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(double.TryParse(Env(environment, "GCE_METADATA_TIMEOUT"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(Math.Min(seconds, 60))
            : DefaultProbeTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, probe);
            request.Headers.Add("Metadata-Flavor", "Google");
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return response.Headers.TryGetValues("Metadata-Flavor", out var flavor) && flavor.Contains("Google", StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public IAccessTokenSource Tokens() => new CachedTokenSource(async cancellationToken =>
    {
        var url = new Uri(root, "computeMetadata/v1/instance/service-accounts/default/token");
        var body = await client.MetadataAsync(url, Described, Fix, cancellationToken).ConfigureAwait(false);
        TokenResponse? token;
        try
        {
            token = System.Text.Json.JsonSerializer.Deserialize(body, CredentialJsonContext.Default.TokenResponse);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"{Described} answered {url} with no token: {ex.Message}", ex);
        }

        return token is { AccessToken.Length: > 0 }
            ? new AccessToken(token.AccessToken, client.Expiry(token.ExpiresIn))
            : throw new ProviderException(ProviderErrorKind.Failed, $"{Described} answered {url} with no access_token; {Fix}");
    }, client.Time);

    /// <summary>The project the instance runs in; null when the metadata server does not say.</summary>
    public async Task<string?> ProjectAsync(CancellationToken cancellationToken)
    {
        try
        {
            var project = (await client.MetadataAsync(new Uri(root, "computeMetadata/v1/project/project-id"), Described, Fix, cancellationToken).ConfigureAwait(false)).Trim();
            return project.Length > 0 ? project : null;
        }
        catch (ProviderException)
        {
            return null;
        }
    }

    private static Uri HostUri(string host) => Uri.TryCreate($"http://{host.TrimEnd('/')}/", UriKind.Absolute, out var uri)
        ? uri
        : throw new ProviderException(ProviderErrorKind.Failed, $"GCE_METADATA_HOST/GCE_METADATA_IP '{host}' is not a host or host:port");

    private static string? Env(Func<string, string?> environment, string name) => environment(name) is { Length: > 0 } value ? value : null;
}
