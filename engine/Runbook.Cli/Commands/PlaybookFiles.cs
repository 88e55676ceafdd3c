namespace Runbook.Cli.Commands;

/// <summary>Expands the paths given to validate: files as they are, folders recursively to *.yaml and *.yml.</summary>
internal static class PlaybookFiles
{
    /// <summary>Files that live beside playbooks but are not playbooks: our configuration and Compose projects.</summary>
    private static bool IsPlaybookName(string file)
    {
        var name = Path.GetFileName(file).ToLowerInvariant();
        return name is not ("runbook.yaml" or "runbook.yml")
            && !name.StartsWith("docker-compose", StringComparison.Ordinal)
            && !name.StartsWith("compose.", StringComparison.Ordinal);
    }

    public static IReadOnlyList<string> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                var found = Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden })
                    .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                    .Where(IsPlaybookName)
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (found.Count == 0)
                {
                    throw new UsageException($"no *.yaml or *.yml playbooks under '{path}'");
                }

                files.AddRange(found);
            }
            else
            {
                throw new UsageException($"'{path}' is neither a file nor a folder");
            }
        }

        return files;
    }
}
