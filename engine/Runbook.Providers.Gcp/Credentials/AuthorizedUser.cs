using Runbook.Execution.Providers;

namespace Runbook.Providers.Gcp.Credentials;

/// <summary>
/// An authorized-user file (what `gcloud auth application-default login` writes): its refresh token exchanged for an
/// access token (the refresh_token grant) at its token_uri, else Google's token endpoint.
/// </summary>
internal static class AuthorizedUser
{
    public static IAccessTokenSource Tokens(CredentialFile user, string described, TokenClient client)
    {
        if (user is not { ClientId.Length: > 0, ClientSecret.Length: > 0, RefreshToken.Length: > 0 })
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"{described} has no client_id, client_secret or refresh_token: run `gcloud auth application-default login` again");
        }

        var tokenUri = Uris.Parse(user.TokenUri ?? ServiceAccountKey.DefaultTokenUri, "token_uri", described);
        return new CachedTokenSource(
            cancellationToken => client.RequestTokenAsync(tokenUri,
            [
                new("grant_type", "refresh_token"),
                new("client_id", user.ClientId),
                new("client_secret", user.ClientSecret),
                new("refresh_token", user.RefreshToken),
            ], described, "the login may have expired or been revoked: run `gcloud auth application-default login` again", cancellationToken), client.Time);
    }
}
