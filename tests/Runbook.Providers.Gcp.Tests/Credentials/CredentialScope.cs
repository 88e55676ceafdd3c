namespace Runbook.Providers.Gcp.Tests.Credentials;

/// <summary>
/// One test's environment: its own HOME (so no gcloud folder of this machine is seen), NO_GCE_CHECK=true unless the
/// test asks for the metadata server, and files written under HOME. Nothing process-wide is set, so tests run in parallel.
/// </summary>
internal sealed class CredentialScope : IDisposable
{
    private readonly Dictionary<string, string?> _environment = new(StringComparer.Ordinal);

    public CredentialScope()
    {
        _environment["HOME"] = Home;
        _environment["NO_GCE_CHECK"] = "true";
    }

    public string Home { get; } = Directory.CreateTempSubdirectory("runbook-gcp-creds-").FullName;

    public string GcloudFolder => Path.Combine(Home, ".config", "gcloud");

    public CredentialScope Set(string name, string? value)
    {
        _environment[name] = value;
        return this;
    }

    public string? Get(string name) => _environment.GetValueOrDefault(name);

    /// <summary>Writes <paramref name="content"/> to <paramref name="relative"/> under HOME; its full path.</summary>
    public string File(string relative, string content)
    {
        var path = Path.Combine(Home, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(Home, recursive: true);
}
