using System.Text;

namespace Runbook.Providers.Compose;

/// <summary>
/// What Compose itself does not keep: the images a service ran before (one file per service) and the
/// images deploys chose (the override file Compose reads after the project's own).
/// </summary>
internal sealed class ComposeHistory(string folder)
{
    public string OverrideFile => Path.Combine(folder, "override.yml");

    public IReadOnlyList<string> Images(string service) => File.Exists(HistoryFile(service)) ? File.ReadAllLines(HistoryFile(service)) : [];

    public string? Previous(string service) => Images(service).LastOrDefault();

    public void Push(string service, string image)
    {
        Directory.CreateDirectory(folder);
        File.AppendAllLines(HistoryFile(service), [image]);
    }

    /// <summary>Forgets images newer than <paramref name="image"/> (it becomes current).</summary>
    public void PopTo(string service, string image)
    {
        var images = Images(service).ToList();
        var at = images.LastIndexOf(image);
        File.WriteAllLines(HistoryFile(service), at >= 0 ? images.Take(at) : images);
    }

    public void SetImage(string service, string image)
    {
        Directory.CreateDirectory(folder);
        var images = ReadOverrides();
        images[service] = image;
        var yaml = new StringBuilder("# Written by runbook: images chosen by service.deploy and service.rollback.\nservices:\n");
        foreach (var (name, value) in images.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            yaml.Append("  ").Append(name).Append(":\n    image: \"").Append(value.Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\"\n");
        }

        File.WriteAllText(OverrideFile, yaml.ToString());
    }

    private Dictionary<string, string> ReadOverrides()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(OverrideFile))
        {
            return result;
        }

        string? service = null;
        foreach (var line in File.ReadAllLines(OverrideFile))
        {
            if (line.StartsWith("  ", StringComparison.Ordinal) && !line.StartsWith("    ", StringComparison.Ordinal))
            {
                service = line.Trim().TrimEnd(':');
            }
            else if (service is not null && line.TrimStart().StartsWith("image:", StringComparison.Ordinal))
            {
                result[service] = line.Trim()["image:".Length..].Trim().Trim('"').Replace("\\\"", "\"", StringComparison.Ordinal);
            }
        }

        return result;
    }

    private string HistoryFile(string service) => Path.Combine(folder, service + ".images");
}
