using Runbook.Execution.Providers;

namespace Runbook.Providers.Gcp;

/// <summary>
/// Where the Cloud Run Admin API v2 and Cloud Logging are ('endpoint' / 'logging_endpoint' settings, else Google's),
/// and the project and region of the services ('project' setting, else the credentials' project, else
/// GOOGLE_CLOUD_PROJECT; 'region' setting, else CLOUDSDK_RUN_REGION).
/// </summary>
internal sealed record CloudRunTarget(Uri RunEndpoint, Uri LoggingEndpoint, string Project, string Region)
{
    public static CloudRunTarget Resolve(ProviderSettings settings, Func<string, string?> environment, string? credentialsProject)
    {
        static Uri Endpoint(string? text, string fallback) => new((text ?? fallback).TrimEnd('/') + "/");
        var project = settings.Get("project") ?? credentialsProject ?? (environment("GOOGLE_CLOUD_PROJECT") is { Length: > 0 } p ? p : null)
            ?? throw new ProviderException(ProviderErrorKind.Failed,
                "no Google Cloud project: set 'project: …' in the environment in runbook.yaml (or --set project=…), or export GOOGLE_CLOUD_PROJECT");
        var region = settings.Get("region") ?? (environment("CLOUDSDK_RUN_REGION") is { Length: > 0 } r ? r : null)
            ?? throw new ProviderException(ProviderErrorKind.Failed,
                "no Cloud Run region: set 'region: …' in the environment in runbook.yaml (or --set region=…), or export CLOUDSDK_RUN_REGION");
        return new CloudRunTarget(Endpoint(settings.Get("endpoint"), "https://run.googleapis.com"),
            Endpoint(settings.Get("logging_endpoint"), "https://logging.googleapis.com"), project, region);
    }
}
