namespace Runbook.Providers.Gcp.Credentials;

/// <summary>
/// What gcloud keeps in its configuration folder (CLOUDSDK_CONFIG, else ~/.config/gcloud, or %APPDATA%\gcloud on
/// Windows): the application-default credentials file, and the active configuration's properties (core/project,
/// run/region), overridden as gcloud overrides them by CLOUDSDK_CORE_PROJECT and CLOUDSDK_RUN_REGION.
/// </summary>
internal sealed class GcloudConfig(Func<string, string?> environment)
{
    public string Folder
    {
        get
        {
            if (Env("CLOUDSDK_CONFIG") is { } configured)
            {
                return configured;
            }

            if (OperatingSystem.IsWindows() && Env("APPDATA") is { } appData)
            {
                return Path.Combine(appData, "gcloud");
            }

            var home = Env("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Combine(home, ".config", "gcloud");
        }
    }

    /// <summary>Where `gcloud auth application-default login` writes its credentials.</summary>
    public string ApplicationDefaultFile => Path.Combine(Folder, "application_default_credentials.json");

    /// <summary>The project gcloud would use: CLOUDSDK_CORE_PROJECT, else core/project of the active configuration.</summary>
    public string? Project => Env("CLOUDSDK_CORE_PROJECT") ?? Property("core", "project");

    /// <summary>GOOGLE_CLOUD_QUOTA_PROJECT, which overrides a credentials file's quota_project_id in Google's libraries.</summary>
    public string? QuotaProject => Env("GOOGLE_CLOUD_QUOTA_PROJECT");

    /// <summary>The Cloud Run region gcloud would use: CLOUDSDK_RUN_REGION, else run/region of the active configuration.</summary>
    public string? RunRegion => Env("CLOUDSDK_RUN_REGION") ?? Property("run", "region");

    /// <summary>A property of the active configuration (CLOUDSDK_ACTIVE_CONFIG_NAME, else the active_config file, else "default").</summary>
    internal string? Property(string section, string name)
    {
        var active = Env("CLOUDSDK_ACTIVE_CONFIG_NAME") ?? ReadOrNull(Path.Combine(Folder, "active_config"))?.Trim() ?? "default";
        if (active.Length == 0 || active.IndexOfAny(['/', '\\']) >= 0 || ReadOrNull(Path.Combine(Folder, "configurations", "config_" + active)) is not { } ini)
        {
            return null;
        }

        string? current = null;
        foreach (var raw in ini.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                current = line[1..^1].Trim();
            }
            else if (current == section && line.IndexOf('=') is > 0 and var equals && line[..equals].Trim() == name)
            {
                return line[(equals + 1)..].Trim() is { Length: > 0 } value ? value : null;
            }
        }

        return null;
    }

    private string? Env(string name) => environment(name) is { Length: > 0 } value ? value : null;

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
