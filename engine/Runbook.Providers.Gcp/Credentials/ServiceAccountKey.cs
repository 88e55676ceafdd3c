using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Gcp.Credentials;

/// <summary>
/// A service-account key file: a JWT signed with its private key (RS256) exchanged at its token_uri for an access token
/// (the JWT-bearer grant, RFC 7523), as Google's libraries do for "type": "service_account".
/// </summary>
internal static class ServiceAccountKey
{
    public const string DefaultTokenUri = "https://oauth2.googleapis.com/token";

    public static IAccessTokenSource Tokens(CredentialFile key, string described, TokenClient client)
    {
        if (key is not { ClientEmail.Length: > 0, PrivateKey.Length: > 0 })
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"{described} has no client_email or private_key: download a new key (gcloud iam service-accounts keys create KEY.json --iam-account=…)");
        }

        var tokenUri = Uris.Parse(key.TokenUri ?? DefaultTokenUri, "token_uri", described);
        using (var check = RSA.Create())
        {
            try
            {
                check.ImportFromPem(key.PrivateKey);
            }
            catch (ArgumentException ex)
            {
                throw new ProviderException(ProviderErrorKind.Failed, $"{described} has a private_key that is not an RSA key in PEM: {ex.Message}; download a new key", ex);
            }
        }

        var credential = $"{described} ({key.ClientEmail})";
        var fix = $"check that the key of {key.ClientEmail} is not deleted or disabled (gcloud iam service-accounts keys list --iam-account={key.ClientEmail})";
        return new CachedTokenSource(
            cancellationToken => client.RequestTokenAsync(tokenUri,
            [
                new("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                new("assertion", Assertion(key, tokenUri, client.Time.GetUtcNow())),
            ], credential, fix, cancellationToken), client.Time);
    }

    /// <summary>The signed JWT: iss the service account, aud the token endpoint, an hour of life.</summary>
    internal static string Assertion(CredentialFile key, Uri tokenUri, DateTimeOffset now)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new JwtHeader("RS256", "JWT", key.PrivateKeyId), CredentialJsonContext.Default.JwtHeader);
        var issued = now.ToUnixTimeSeconds();
        var claims = JsonSerializer.SerializeToUtf8Bytes(
            new JwtClaims(key.ClientEmail!, GcpCredentials.CloudPlatformScope, tokenUri.ToString(), issued, issued + 3600), CredentialJsonContext.Default.JwtClaims);
        var signed = $"{Base64Url.EncodeToString(header)}.{Base64Url.EncodeToString(claims)}";
        using var rsa = RSA.Create();
        rsa.ImportFromPem(key.PrivateKey);
        var signature = rsa.SignData(System.Text.Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signed}.{Base64Url.EncodeToString(signature)}";
    }
}

/// <summary>URLs read from credential files and the environment, checked before any request goes to them.</summary>
internal static class Uris
{
    public static Uri Parse(string text, string field, string described) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
            ? uri
            : throw new ProviderException(ProviderErrorKind.Failed, $"{described} has a {field} '{text}' that is not an http(s) URL");
}
