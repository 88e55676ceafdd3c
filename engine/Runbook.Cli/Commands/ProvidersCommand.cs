using System.CommandLine;
using System.Text;
using Runbook.Cli.Composition;
using Runbook.Language.Model;

namespace Runbook.Cli.Commands;

internal static class ProvidersCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("providers", "List providers and actions: what each supports, which actions mutate, their arguments.");
        command.SetAction(_ =>
        {
            var text = new StringBuilder();
            text.Append("Providers:\n");
            foreach (var provider in ProviderRegistry.Catalog.Providers)
            {
                text.Append($"  {provider.Name,-11} {provider.Summary}\n");
                var own = provider.OwnActions.Select(a => a.Name).ToList();
                var service = provider.SupportedServiceActions.Order(StringComparer.Ordinal);
                text.Append($"              actions: {string.Join(", ", service.Concat(own))}\n");
                if (ProviderRegistry.Platform(provider.Name) is { } platform)
                {
                    foreach (var (key, meaning, fallback) in platform.Settings)
                    {
                        text.Append($"              setting {key}: {meaning}{(fallback is null ? " (required)" : $" (default: {fallback})")}\n");
                    }
                }
                else
                {
                    text.Append("              validates and plans here; runs in a later release\n");
                }
            }

            text.Append("\nActions:\n");
            foreach (var action in ProviderRegistry.Catalog.Actions)
            {
                var effect = action.Irreversible ? "irreversible" : action.MutatesWhen is not null ? "by command" : action.Mutates ? "mutates" : "read-only";
                text.Append($"  {action.Name,-20} {effect,-12}  {action.Summary}\n");
                foreach (var p in action.Parameters)
                {
                    text.Append($"      {p.Name,-21} {(p.Required ? "required" : "optional")}  {p.Description}\n");
                }

                if (action.Outputs.Length > 0)
                {
                    text.Append($"      outputs: {string.Join(", ", action.Outputs.Select(o => $"{o.Name} ({o.Type.ToName()})"))}\n");
                }
            }

            console.Out.Write(text.ToString());
            return ExitCodes.Success;
        });
        return command;
    }
}
