using System.Net.Http;
using System.Net.Sockets;
using Azure.Core;
using Azure.Identity;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Azure.Credentials;

/// <summary>
/// One way to get a token, in the order DefaultAzureCredential tries them. <see cref="Unavailable"/> says why it
/// cannot be tried at all (its environment variables are not set) — then <see cref="Create"/> is null.
/// </summary>
internal sealed record CredentialSource(string Name, string Description, Func<TokenCredential>? Create, string? Unavailable = null)
{
    public static CredentialSource NotConfigured(string name, string description, string why) => new(name, description, null, why);
}

/// <summary>
/// A credential the chain skips, as DefaultAzureCredential skips one that throws CredentialUnavailableException:
/// the environment, endpoint or tool it needs is not there (no IMDS answering, az not installed or not logged in).
/// </summary>
internal sealed class CredentialNotThereException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// DefaultAzureCredential's semantics over our own list of credentials: each source in turn; one that is not there
/// (not configured, or unavailable) is skipped and remembered for the message; the first that gives a token is used
/// from then on (as DefaultAzureCredential keeps the credential that worked); one that is there but refuses (a wrong
/// secret: AADSTS7000215) ends the search with its own error, because trying another identity would run the
/// playbook as someone the operator did not choose.
/// </summary>
internal sealed class CredentialChain(IReadOnlyList<CredentialSource> sources, string fix) : TokenCredential, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (CredentialSource Source, TokenCredential Credential)? _chosen;

    public IReadOnlyList<CredentialSource> Sources => sources;

    /// <summary>The description of the credential that gave the last token (null before the first).</summary>
    public string? Used => _chosen?.Source.Description;

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        if (_chosen is { } chosen)
        {
            try
            {
                return await TryAsync(chosen.Source, chosen.Credential, requestContext, cancellationToken).ConfigureAwait(false);
            }
            catch (CredentialNotThereException ex)
            {
                throw new ProviderException(ProviderErrorKind.Unavailable, $"{chosen.Source.Description} gave a token before and now cannot: {ex.Message}", ex);
            }
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_chosen is not null)
            {
                // Another call chose while this one waited.
                return await GetTokenAsync(requestContext, cancellationToken).ConfigureAwait(false);
            }

            var tried = new List<string>();
            foreach (var source in sources)
            {
                if (source.Create is null)
                {
                    tried.Add($"{source.Name}: {source.Unavailable}");
                    continue;
                }

                TokenCredential credential;
                try
                {
                    credential = source.Create();
                }
                catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
                {
                    throw new ProviderException(ProviderErrorKind.Failed, $"cannot use {source.Description}: {ex.Message}", ex);
                }

                try
                {
                    var token = await TryAsync(source, credential, requestContext, cancellationToken).ConfigureAwait(false);
                    _chosen = (source, credential);
                    return token;
                }
                catch (CredentialNotThereException ex)
                {
                    tried.Add($"{source.Name}: {ex.Message}");
                }
            }

            throw new ProviderException(ProviderErrorKind.Forbidden,
                $"no Azure credential: tried, in order, {string.Join("; ", tried)}. {fix}");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The token, or CredentialNotThereException when the credential is not there; a refusal becomes a ProviderException naming the source.</summary>
    private static async ValueTask<AccessToken> TryAsync(CredentialSource source, TokenCredential credential, TokenRequestContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await credential.GetTokenAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (CredentialUnavailableException ex)
        {
            throw new CredentialNotThereException(Reason(ex), ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not CredentialNotThereException and not ProviderException)
        {
            // Entra ID or the identity endpoint could not be reached: the run may retry; it said no: it may not.
            var unreachable = Chain(ex).Any(e => e is HttpRequestException or SocketException or TimeoutException);
            throw new ProviderException(unreachable ? ProviderErrorKind.Unavailable : ProviderErrorKind.Forbidden,
                $"cannot get an Azure token from {source.Description}: {Reason(ex)}", ex);
        }
    }

    /// <summary>
    /// What the identity service said, without Azure.Identity's wrapping ("ClientSecretCredential authentication
    /// failed: …") and its troubleshooting link: the AADSTS code and text stay word for word.
    /// </summary>
    internal static string Reason(Exception ex)
    {
        // Azure.Identity wraps MSAL's exception, whose message is Entra ID's error_description (AADSTS…): prefer that one.
        var chain = Chain(ex).ToList();
        var message = chain.FirstOrDefault(e => e.Message.Contains("AADSTS", StringComparison.Ordinal))?.Message
            ?? chain.LastOrDefault(e => e.Message.Trim().Length > 0 && !e.Message.TrimEnd().EndsWith("authentication failed:", StringComparison.Ordinal))?.Message
            ?? ex.Message;
        var prefix = message.IndexOf(" authentication failed: ", StringComparison.Ordinal);
        if (prefix > 0 && prefix < 60)
        {
            message = message[(prefix + " authentication failed: ".Length)..];
        }

        // MSAL puts its own advice before Entra ID's words ("… Original exception: AADSTS700027: …"): start at the code.
        var code = message.IndexOf("AADSTS", StringComparison.Ordinal);
        if (code > 0)
        {
            message = message[code..];
        }

        var link = message.IndexOf("See the troubleshooting guide", StringComparison.Ordinal);
        if (link > 0)
        {
            message = message[..link];
        }

        return string.Join(' ', message.Split((char[])['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd();
    }

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    public void Dispose()
    {
        _gate.Dispose();
        (_chosen?.Credential as IDisposable)?.Dispose();
    }
}
