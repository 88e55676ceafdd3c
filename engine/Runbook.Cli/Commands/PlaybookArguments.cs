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

    /// <summary>
    /// Loads and checks a playbook; on errors prints them and returns null. With <paramref name="refuseIfNotFor"/>, a
    /// playbook that is not for <paramref name="provider"/> (its providers:, or those its actions need) is refused
    /// first, with the providers it is for: its steps' RB0307 errors on that provider would only say the same less clearly.
    /// </summary>
    public static LoadedPlaybook? LoadValid(string path, ProviderDescriptor? provider, CliConsole console, bool refuseIfNotFor = false)
    {
        if (!System.IO.File.Exists(path))
        {
            throw new UsageException($"'{path}' does not exist");
        }

        var loaded = PlaybookLoader.LoadFile(path, ProviderRegistry.Catalog, provider);
        if (refuseIfNotFor && provider is not null && ProviderClaims.NotFor(loaded, provider) is { } notFor)
        {
            console.Error.Write(ProviderClaims.Refusal(notFor, provider.Name));
            return null;
        }
        if (loaded.IsValid)
        {
            return loaded;
        }

        console.Error.Write(DiagnosticText.Render([loaded], console.Color));
        return null;
    }
}
