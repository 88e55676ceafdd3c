using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.RuntimeDependencies;
using Amazon.SecurityToken;
using Amazon.SSO;
using Amazon.SSOOIDC;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Aws;

/// <summary>
/// Credentials, region and endpoints found the way the AWS CLI finds them. Credentials: a 'profile' setting
/// first (like --profile), else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else the profile
/// AWS_PROFILE names (or "default") from the shared credentials and config files, else web identity
/// (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN), else the ECS container endpoint, else EC2 instance metadata.
/// A profile's kind (static keys, credential_process, role_arn + source_profile, sso_session, web identity) is
/// resolved by AWSSDK.Core. Region: the setting, else AWS_REGION, else AWS_DEFAULT_REGION, else the profile's.
/// </summary>
internal sealed class AwsConnection
{
    private static int _registered;

    private readonly AWSCredentials? _sdkCredentials;
    private readonly ContainerCredentials? _containerCredentials;

    private AwsConnection(AWSCredentials credentials, string region, string source)
        : this(region, source) => _sdkCredentials = credentials;

    private AwsConnection(ContainerCredentials credentials, string region, string source)
        : this(region, source) => _containerCredentials = credentials;

    private AwsConnection(string region, string source)
    {
        Region = region;
        Source = source;
    }

    public string Region { get; }

    /// <summary>Where the credentials came from, for messages: "profile 'prod' (~/.aws/config)", "environment variables" …</summary>
    public string Source { get; }

    public async ValueTask<AwsCredentials> KeysAsync(CancellationToken cancellationToken)
    {
        if (_containerCredentials is not null)
        {
            return await _containerCredentials.GetAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            // The SDK's credentials objects refresh temporary credentials (STS, SSO, process, instance) before they expire.
            // Whatever they throw (a credential_process that exits non-zero, an STS refusal, no metadata service) is a
            // credentials problem of the run, reported as one; only cancellation passes through.
            var keys = await _sdkCredentials!.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return new AwsCredentials(keys.AccessKey, keys.SecretKey, keys.UseToken ? keys.Token : null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not ProviderException)
        {
            throw new ProviderException(ProviderErrorKind.Forbidden, $"cannot get AWS credentials from {Source}: {ex.Message}", ex);
        }
    }

    /// <summary>Resolves credentials and region; <paramref name="environment"/> is the process environment except in tests.</summary>
    public static AwsConnection Resolve(ProviderSettings settings, Func<string, string?> environment)
    {
        RegisterServiceClients();
        var profileSetting = settings.Get("profile");
        var profileName = profileSetting ?? Env(environment, "AWS_PROFILE") ?? Env(environment, "AWS_DEFAULT_PROFILE") ?? "default";
        var files = SharedFiles(environment);
        var profile = LoadProfile(files, profileName, required: profileSetting is not null || Env(environment, "AWS_PROFILE") is not null);

        var region = settings.Get("region") ?? Env(environment, "AWS_REGION") ?? Env(environment, "AWS_DEFAULT_REGION") ?? profile?.Profile.Region?.SystemName
            ?? throw new ProviderException(ProviderErrorKind.Failed,
                $"no AWS region: set 'region: …' in the environment in runbook.yaml (or --set region=…), export AWS_REGION, or set 'region' in profile '{profileName}' of {files.Config}");

        if (profileSetting is null && Env(environment, "AWS_ACCESS_KEY_ID") is { } accessKey)
        {
            var secret = Env(environment, "AWS_SECRET_ACCESS_KEY")
                ?? throw new ProviderException(ProviderErrorKind.Failed, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: export both (and AWS_SESSION_TOKEN for temporary keys)");
            AWSCredentials keys = Env(environment, "AWS_SESSION_TOKEN") is { } token ? new SessionAWSCredentials(accessKey, secret, token) : new BasicAWSCredentials(accessKey, secret);
            return new AwsConnection(keys, region, "the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
        }

        if (profile is { } found)
        {
            try
            {
                return new AwsConnection(AWSCredentialsFactory.GetAWSCredentials(found.Profile, found.Store), region, $"profile '{profileName}' ({files.Credentials}, {files.Config})");
            }
            catch (Exception ex) when (ex is InvalidDataException or ArgumentException or AmazonClientException or InvalidOperationException)
            {
                throw new ProviderException(ProviderErrorKind.Failed, $"profile '{profileName}' in {files.Config} or {files.Credentials} gives no usable credentials: {ex.Message}", ex);
            }
        }

        if (Env(environment, "AWS_WEB_IDENTITY_TOKEN_FILE") is { } tokenFile && Env(environment, "AWS_ROLE_ARN") is { } roleArn)
        {
            // Like botocore, a session name of our own when AWS_ROLE_SESSION_NAME is not set (STS requires one), unique per run.
            var sessionName = Env(environment, "AWS_ROLE_SESSION_NAME") ?? $"runbook-{Guid.NewGuid():N}";
            try
            {
                return new AwsConnection(new AssumeRoleWithWebIdentityCredentials(tokenFile, roleArn, sessionName),
                    region, $"web identity (role {roleArn}, token {tokenFile})");
            }
            catch (ArgumentException ex)
            {
                throw new ProviderException(ProviderErrorKind.Failed, $"web identity from AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN is not usable: {ex.Message}", ex);
            }
        }

        if (Env(environment, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") is not null || Env(environment, "AWS_CONTAINER_CREDENTIALS_FULL_URI") is not null)
        {
            return new AwsConnection(new ContainerCredentials(environment, new HttpClient(), TimeProvider.System), region, "the ECS container credentials endpoint");
        }

        if (!string.Equals(Env(environment, "AWS_EC2_METADATA_DISABLED"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return new AwsConnection(new InstanceProfileAWSCredentials(), region, "the EC2 instance metadata service (no other credentials were found)");
        }

        throw new ProviderException(ProviderErrorKind.Failed,
            $"no AWS credentials: set 'profile: …' in runbook.yaml, export AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run 'aws configure' (looked in {files.Credentials} and {files.Config})");
    }

    /// <summary>
    /// The endpoint of one service: the 'endpoint_url' setting, else AWS_ENDPOINT_URL_&lt;SERVICE&gt;, else AWS_ENDPOINT_URL
    /// (as the AWS CLI honours them), else the public regional endpoint.
    /// </summary>
    public static Uri Endpoint(ProviderSettings settings, Func<string, string?> environment, string serviceEnvName, string endpointPrefix, string region)
    {
        var configured = settings.Get("endpoint_url") ?? Env(environment, $"AWS_ENDPOINT_URL_{serviceEnvName}") ?? Env(environment, "AWS_ENDPOINT_URL");
        if (configured is null)
        {
            return new Uri($"https://{endpointPrefix}.{region}.amazonaws.com/");
        }

        return Uri.TryCreate(configured, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new ProviderException(ProviderErrorKind.Failed, $"endpoint_url '{configured}' is not an http(s) URL (e.g. http://127.0.0.1:4566)");
    }

    internal sealed record Files(string Credentials, string Config);

    /// <summary>AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws/credentials and ~/.aws/config.</summary>
    internal static Files SharedFiles(Func<string, string?> environment)
    {
        var home = Env(environment, "HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return new Files(
            Env(environment, "AWS_SHARED_CREDENTIALS_FILE") ?? Path.Combine(home, ".aws", "credentials"),
            Env(environment, "AWS_CONFIG_FILE") ?? Path.Combine(home, ".aws", "config"));
    }

    private static (CredentialProfile Profile, ICredentialProfileSource Store)? LoadProfile(Files files, string name, bool required)
    {
        if (!File.Exists(files.Credentials) && !File.Exists(files.Config))
        {
            return required
                ? throw new ProviderException(ProviderErrorKind.Failed, $"profile '{name}' is asked for, but neither {files.Credentials} nor {files.Config} exists (run 'aws configure --profile {name}')")
                : null;
        }

        try
        {
            var store = new SharedCredentialsFile(files.Credentials);
            if (store.TryGetProfile(name, out var profile))
            {
                return (profile, store);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or FormatException)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"cannot read {files.Credentials} or {files.Config}: {ex.Message}", ex);
        }

        return required
            ? throw new ProviderException(ProviderErrorKind.Failed, $"profile '{name}' is not in {files.Credentials} or {files.Config}")
            : null;
    }

    /// <summary>
    /// AWSSDK.Core loads the STS, SSO and SSO-OIDC clients (for role_arn, web identity and sso profiles) by reflection
    /// unless they are registered; trimming removes what reflection would find, so the native binary registers them.
    /// </summary>
    private static void RegisterServiceClients()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1)
        {
            return;
        }

        GlobalRuntimeDependencyRegistry.Instance.RegisterSecurityTokenServiceClient(context =>
            new AmazonSecurityTokenServiceClient(new AnonymousAWSCredentials(), new AmazonSecurityTokenServiceConfig
            {
                RegionEndpoint = context.SecurityTokenServiceClientContextData?.Region ?? Amazon.RegionEndpoint.USEast1,
            }));
        GlobalRuntimeDependencyRegistry.Instance.RegisterSSOClient(context =>
            new AmazonSSOClient(new AnonymousAWSCredentials(), new AmazonSSOConfig { RegionEndpoint = context.SSOClientContextData?.Region ?? Amazon.RegionEndpoint.USEast1 }));
        GlobalRuntimeDependencyRegistry.Instance.RegisterSSOOIDCClient(context =>
            new AmazonSSOOIDCClient(new AnonymousAWSCredentials(), new AmazonSSOOIDCConfig { RegionEndpoint = context.SSOOIDCClientContextData?.Region ?? Amazon.RegionEndpoint.USEast1 }));
    }

    private static string? Env(Func<string, string?> environment, string name) => environment(name) is { Length: > 0 } value ? value : null;
}
