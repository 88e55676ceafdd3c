using Google.Apis.Auth.OAuth2;

namespace Runbook.Providers.Gcp;

/// <summary>An OAuth access token for the Cloud Platform scope, fetched once and refreshed before it expires.</summary>
internal interface IAccessTokenSource
{
    ValueTask<string> GetTokenAsync(CancellationToken cancellationToken);
}

/// <summary>The credentials gcloud users have (application-default credentials) and the project they name, if any.</summary>
internal sealed record GoogleIdentity(IAccessTokenSource Tokens, string? Project);

/// <summary>Application-default credentials through Google.Apis.Auth.</summary>
internal static class GcpCredentials
{
    public const string CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

    public static async Task<GoogleIdentity> ResolveAsync(Func<string, string?> environment, CancellationToken cancellationToken)
    {
        _ = environment;
        var credential = (await GoogleCredential.GetApplicationDefaultAsync(cancellationToken).ConfigureAwait(false)).CreateScoped(CloudPlatformScope);
        var project = credential.QuotaProject;
        return new GoogleIdentity(new GoogleTokenSource(credential), project);
    }

    private sealed class GoogleTokenSource(GoogleCredential credential) : IAccessTokenSource
    {
        public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) =>
            await ((ITokenAccess)credential).GetAccessTokenForRequestAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
