using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Core;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Azure.Credentials;

/// <summary>
/// The Azure CLI's login, as AzureCliCredential uses it: `az account get-access-token --output json --resource R
/// [--tenant T]`, az found on the PATH of the caller's environment (Azure.Identity's would search the process's
/// PATH, which the caller's environment function must decide). az missing or not logged in means "not there", as
/// in DefaultAzureCredential; any other failure is reported with what az printed.
/// </summary>
internal sealed class AzureCliToken(Func<string, string?> environment, string? tenantId, TimeProvider time) : TokenCredential, IDisposable
{
    /// <summary>How long az may take (DefaultAzureCredential allows it about as long).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, AccessToken> _cache = new(StringComparer.Ordinal);

    /// <summary>The az executable on the environment's PATH, or null.</summary>
    public string? Find()
    {
        var path = environment("PATH") is { Length: > 0 } configured ? configured : "/usr/bin:/usr/local/bin";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in OperatingSystem.IsWindows() ? (string[])["az.cmd", "az.exe"] : ["az"])
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        var resource = ManagedIdentityToken.Resource(requestContext.Scopes);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cache.TryGetValue(resource, out var cached) && cached.ExpiresOn - RefreshBefore > time.GetUtcNow())
            {
                return cached;
            }

            var token = await RunAsync(resource, cancellationToken).ConfigureAwait(false);
            _cache[resource] = token;
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<AccessToken> RunAsync(string resource, CancellationToken cancellationToken)
    {
        var az = Find() ?? throw new CredentialNotThereException("az is not on PATH (install the Azure CLI and run 'az login')");
        var start = new ProcessStartInfo(az)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["account", "get-access-token", "--output", "json", "--resource", resource])
        {
            start.ArgumentList.Add(arg);
        }

        if (tenantId is not null)
        {
            start.ArgumentList.Add("--tenant");
            start.ArgumentList.Add(tenantId);
        }

        // az reads its login from HOME (~/.azure) or AZURE_CONFIG_DIR, and finds python on PATH: the caller's, not ours.
        foreach (var name in (string[])["PATH", "HOME", "AZURE_CONFIG_DIR"])
        {
            if (environment(name) is { Length: > 0 } value)
            {
                start.Environment[name] = value;
            }
        }

        start.Environment["AZURE_CORE_NO_COLOR"] = "true";
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new CredentialNotThereException($"{az} cannot be started: {ex.Message}", ex);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new CredentialNotThereException($"az account get-access-token did not finish within {Timeout.TotalSeconds:0}s");
        }

        var stdout = await output.ConfigureAwait(false);
        var stderr = (await error.ConfigureAwait(false)).Trim();
        if (process.ExitCode != 0)
        {
            if (stderr.Contains("az login", StringComparison.OrdinalIgnoreCase) || stderr.Contains("az account set", StringComparison.OrdinalIgnoreCase))
            {
                throw new CredentialNotThereException($"az is not logged in ({First(stderr)}): run 'az login'");
            }

            throw new ProviderException(ProviderErrorKind.Forbidden,
                $"cannot get an Azure token from the Azure CLI's login ({az}): az account get-access-token exited {process.ExitCode}: {First(stderr)}");
        }

        AzCliToken? token;
        try
        {
            token = JsonSerializer.Deserialize(stdout, TokenJson.Default.AzCliToken);
        }
        catch (JsonException ex)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"az account get-access-token printed no token: {ex.Message}", ex);
        }

        if (token is not { AccessToken.Length: > 0 })
        {
            throw new ProviderException(ProviderErrorKind.Failed, "az account get-access-token printed no accessToken");
        }

        var expires = token.ExpiresOnEpoch is { } epoch ? DateTimeOffset.FromUnixTimeSeconds(epoch)
            : DateTime.TryParse(token.ExpiresOn, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var local) ? new DateTimeOffset(local)
            : time.GetUtcNow().AddMinutes(5);
        return new AccessToken(token.AccessToken, expires);
    }

    private static string First(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(nothing on stderr)";
        return line.StartsWith("ERROR: ", StringComparison.Ordinal) ? line["ERROR: ".Length..] : line;
    }

    public void Dispose() => _gate.Dispose();
}
