using Runbook.Execution.Providers;
using Runbook.Providers.Gcp.Credentials;

namespace Runbook.Providers.Gcp;

/// <summary>
/// Where the Cloud Run Admin API v2 and Cloud Logging are ('endpoint' / 'logging_endpoint' settings, else Google's),
/// and the project and region of the services. Project: the 'project' setting, else GOOGLE_CLOUD_PROJECT (which wins
/// over the credentials' project, as it does in Google's application-default credentials), else the credentials'
/// project (a key's project_id, a login's quota_project_id, the metadata server's), else gcloud's (CLOUDSDK_CORE_PROJECT,
/// else core/project of the active configuration). Region: the 'region' setting, else gcloud's (CLOUDSDK_RUN_REGION,
/// else run/region of the active configuration).
/// </summary>
internal sealed record CloudRunTarget(Uri RunEndpoint, Uri LoggingEndpoint, string Project, string Region)
{
    public static CloudRunTarget Resolve(ProviderSettings settings, Func<string, string?> environment, string? credentialsProject)
    {
        var gcloud = new GcloudConfig(environment);
        var project = settings.Get("project") ?? (environment("GOOGLE_CLOUD_PROJECT") is { Length: > 0 } p ? p : null) ?? credentialsProject ?? gcloud.Project
            ?? throw new ProviderException(ProviderErrorKind.Failed,
                "no Google Cloud project: set 'project: …' in the environment in runbook.yaml (or --set project=…), export GOOGLE_CLOUD_PROJECT, or run `gcloud config set project …`");
        var region = settings.Get("region") ?? gcloud.RunRegion
            ?? throw new ProviderException(ProviderErrorKind.Failed,
                "no Cloud Run region: set 'region: …' in the environment in runbook.yaml (or --set region=…), export CLOUDSDK_RUN_REGION, or run `gcloud config set run/region …`");
        return new CloudRunTarget(Endpoint(settings.Get("endpoint"), "endpoint", "https://run.googleapis.com"),
            Endpoint(settings.Get("logging_endpoint"), "logging_endpoint", "https://logging.googleapis.com"), project, region);
    }

    private static Uri Endpoint(string? text, string setting, string fallback) =>
        Uri.TryCreate((text ?? fallback).TrimEnd('/') + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new ProviderException(ProviderErrorKind.Failed, $"the '{setting}' setting '{text}' is not an http(s) URL (e.g. http://127.0.0.1:8080)");
}
