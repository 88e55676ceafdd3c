using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Language.Actions;

namespace Runbook.Providers.Gcp;

/// <summary>Google Cloud Run: the service interface over Cloud Run Admin API v2 services and revisions, and Cloud Logging.</summary>
public sealed class GcpProvider : IPlatformProvider
{
    public static ProviderDescriptor Describe { get; } = new(
        "gcp",
        "Google Cloud Run services (Cloud Run Admin API v2 over REST), Cloud Logging; application-default credentials as gcloud users have them.",
        [],
        [.. ServiceActions.NamesWithoutExec],
        ImmutableDictionary.CreateRange(new Dictionary<string, string>
        {
            ["service.describe"] = "run services.get {service}, revisions.list (serving and previous revision)",
            ["service.history"] = "run revisions.list {service}, newest first (pages followed)",
            ["service.logs"] = "logging entries.list resource.type=\"cloud_run_revision\" service_name={service} (last {tail})",
            ["service.scale"] = "run services.get + services.patch {service} template.scaling.minInstanceCount={replicas} (new revision), operation",
            ["service.restart"] = "run services.get + services.patch {service} template annotation bumped (new revision, same template), operation",
            ["service.deploy"] = "run services.get + services.patch {service} template container image={image} (new revision), operation",
            ["service.rollback"] = "run services.get, revisions.list, services.patch {service} traffic 100% to revision {to} (update-traffic --to-revisions)",
            ["service.wait"] = "run operations.get until done, then services.get {service} until Ready and not reconciling (timeout {timeout})",
        }))
    {
        Unsupported = ImmutableDictionary<string, UnsupportedAction>.Empty.Add(ServiceActions.ExecName, new(
            "Cloud Run has no way to run a command in a running instance",
            "Cloud Run has no exec: run the command as a Cloud Run job (gcloud run jobs execute) or in the service's own code, or use a run: step")),
    };

    private readonly Func<string, string?> _environment;
    private readonly HttpMessageHandler? _handler;
    private readonly GoogleIdentity? _identity;

    public GcpProvider()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>
    /// For tests: the environment to read instead of the process's, the HTTP handler to send through, the identity to use
    /// instead of application-default credentials, and the clock.
    /// </summary>
    internal GcpProvider(Func<string, string?> environment, HttpMessageHandler? handler = null, GoogleIdentity? identity = null, TimeProvider? time = null)
    {
        _environment = environment;
        _handler = handler;
        _identity = identity;
        Time = time ?? TimeProvider.System;
    }

    internal TimeProvider Time { get; }

    public ProviderDescriptor Descriptor => Describe;

    public IReadOnlyList<(string Key, string Meaning, string? Default)> Settings { get; } =
    [
        ("project", "the Google Cloud project of the services (like --project)", "$GOOGLE_CLOUD_PROJECT, else the credentials' project, else gcloud's core/project"),
        ("region", "the Cloud Run region of the services (like --region)", "$CLOUDSDK_RUN_REGION, else gcloud's run/region"),
        ("endpoint", "another Cloud Run Admin API endpoint (a regional one, or a test server)", "https://run.googleapis.com"),
        ("logging_endpoint", "another Cloud Logging API endpoint", "https://logging.googleapis.com"),
        ("container", "the container whose image service.deploy sets and service.describe reports", "the first container of the template"),
        ("poll_interval", "how often service.wait asks Cloud Run (operations.get, services.get) while a change rolls out", "5s"),
        ("timeout", "how long one Cloud Run or Cloud Logging call may take before it is retried", "30s"),
    ];

    public IReadOnlyList<IStepAction> CreateActions(ProviderSettings settings) =>
        ServiceStepActions.Over(new LazyServiceBackend<CloudRunServiceBackend>(cancellationToken => BuildAsync(settings, cancellationToken)), settings);

    internal async Task<CloudRunServiceBackend> BuildAsync(ProviderSettings settings, CancellationToken cancellationToken)
    {
        var pollInterval = Duration(settings, "poll_interval", TimeSpan.FromSeconds(5));
        var retry = RetryPolicy.Standard with { AttemptTimeout = Duration(settings, "timeout", RetryPolicy.Standard.AttemptTimeout) };
        var identity = _identity ?? await ResolveIdentityAsync(cancellationToken).ConfigureAwait(false);
        var target = CloudRunTarget.Resolve(settings, _environment, identity.Project);
        var http = _handler is null ? new HttpClient() : new HttpClient(_handler, disposeHandler: false);
        http.Timeout = Timeout.InfiniteTimeSpan; // each attempt has its own timeout (the 'timeout' setting)
        if (identity.QuotaProject is { } quotaProject)
        {
            http.DefaultRequestHeaders.Add("x-goog-user-project", quotaProject); // as Google's clients send it (docs/providers.md)
        }

        var client = new GoogleRestClient(http, identity.Tokens, Time, retry);
        return new CloudRunServiceBackend(client, target, settings.Get("container"), pollInterval, Time);
    }

    private async Task<GoogleIdentity> ResolveIdentityAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await GcpCredentials.ResolveAsync(_environment, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not ProviderException)
        {
            // Whatever the credential library throws is a credentials problem of the run, reported as one (never a stack trace).
            throw new ProviderException(ProviderErrorKind.Failed,
                $"no usable Google credentials: {ex.Message} (run 'gcloud auth application-default login', or export GOOGLE_APPLICATION_CREDENTIALS=KEY.json)", ex);
        }
    }

    private static TimeSpan Duration(ProviderSettings settings, string key, TimeSpan fallback)
    {
        if (settings.Get(key) is not { } text)
        {
            return fallback;
        }

        return Runbook.Language.Model.Duration.TryParse(text, out var duration) && duration.Value > TimeSpan.Zero
            ? duration.Value
            : throw new ProviderException(ProviderErrorKind.Failed, $"the gcp setting '{key}' is '{text}': give a duration such as 500ms, 5s or 1m");
    }
}
