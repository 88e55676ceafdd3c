using System.CommandLine;
using Runbook.Cli.Composition;
using Runbook.Cli.Rendering;
using Runbook.Language;
using Runbook.Language.Actions;

namespace Runbook.Cli.Commands;

/// <summary>The playbook argument and --input options shared by plan, graph (and later exec).</summary>
internal static class PlaybookArguments
{
    public static Argument<string> File() => new("file") { Description = "The playbook (.yaml)." };

    public static Option<string[]> Inputs() => new("--input", "-i")
    {
        Description = "An input value as name=value; repeat for each input.",
        HelpName = "name=value",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Dictionary<string, string> ParseInputs(IEnumerable<string>? pairs, string option = "--input")
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs ?? [])
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"{option} '{pair}' is not name=value");
            }

            if (!result.TryAdd(pair[..eq], pair[(eq + 1)..]))
            {
                throw new UsageException($"{option} '{pair[..eq]}' is given twice");
            }
        }

        return result;
    }

    /// <summary>Loads and checks a playbook; on errors prints them and returns null.</summary>
    public static LoadedPlaybook? LoadValid(string path, ProviderDescriptor? provider, CliConsole console)
    {
        if (!System.IO.File.Exists(path))
        {
            throw new UsageException($"'{path}' does not exist");
        }

        var loaded = PlaybookLoader.LoadFile(path, ProviderRegistry.Catalog, provider);
        if (loaded.IsValid)
        {
            return loaded;
        }

        console.Error.Write(DiagnosticText.Render([loaded], console.Color));
        return null;
    }
}
