using System.CommandLine;
using Runbook.Cli.Composition;
using Runbook.Language.Actions;

namespace Runbook.Cli.Commands;

internal static class CommonOptions
{
    public static Option<string> Format(string description, params string[] formats)
    {
        var option = new Option<string>("--format", "-f")
        {
            Description = description,
            DefaultValueFactory = _ => formats[0],
            HelpName = string.Join('|', formats),
        };
        option.AcceptOnlyFromAmong(formats);
        return option;
    }

    public static Option<string> Provider(bool required) => new("--provider", "-p")
    {
        Description = $"Target platform: {string.Join(", ", ProviderRegistry.Names)}.",
        Required = required,
        HelpName = "name",
    };

    public static ProviderDescriptor? ResolveProvider(string? name)
    {
        if (name is null)
        {
            return null;
        }

        return ProviderRegistry.Catalog.FindProvider(name)
            ?? throw new UsageException($"unknown provider '{name}'{Language.Text.Suggestions.DidYouMean(name, ProviderRegistry.Names)}; "
                + $"choose one of: {string.Join(", ", ProviderRegistry.Names)}");
    }
}
