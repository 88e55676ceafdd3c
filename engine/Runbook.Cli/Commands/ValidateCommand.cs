using System.CommandLine;
using Runbook.Cli.Composition;
using Runbook.Cli.Rendering;
using Runbook.Language;

namespace Runbook.Cli.Commands;

internal static class ValidateCommand
{
    public static Command Create(CliConsole console)
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Playbook files, or folders searched recursively for *.yaml and *.yml.",
            Arity = ArgumentArity.OneOrMore,
        };
        var format = CommonOptions.Format("Output: text for people, json, github (workflow annotations), sarif (code scanning).",
            "text", "json", "github", "sarif");
        var provider = CommonOptions.Provider(required: false);
        provider.Description += " Checks the playbooks for it (their providers:, or the providers their actions need) on it, and lists the others as not for it.";
        var warningsAsErrors = new Option<bool>("--warnings-as-errors") { Description = "Exit 1 when there are warnings (and no errors)." };

        var command = new Command("validate", "Check playbooks: YAML, structure, expressions, graph and safety rules. Exit 0 clean, 1 warnings with --warnings-as-errors, 2 errors.")
        {
            paths, format, provider, warningsAsErrors,
        };
        command.SetAction(parse =>
        {
            var target = CommonOptions.ResolveProvider(parse.GetValue(provider));
            var files = PlaybookFiles.Expand(parse.GetRequiredValue(paths));
            var results = new LoadedPlaybook[files.Count];
            var notFor = new NotForProvider?[files.Count];
            Parallel.For(0, files.Count, i =>
            {
                results[i] = PlaybookLoader.LoadFile(files[i], ProviderRegistry.Catalog, target);
                // A playbook that is not for the provider is checked as it is everywhere (without one) and listed, not failed.
                if (target is not null && ProviderClaims.NotFor(results[i], target) is { } other)
                {
                    notFor[i] = other;
                    results[i] = PlaybookLoader.LoadFile(files[i], ProviderRegistry.Catalog);
                }
            });
            var scope = new ValidationScope(target?.Name, [.. notFor.OfType<NotForProvider>()]);

            console.Out.Write(parse.GetRequiredValue(format) switch
            {
                "json" => DiagnosticMachineFormats.Json(results, scope),
                "github" => DiagnosticMachineFormats.GitHub(results, scope),
                "sarif" => DiagnosticMachineFormats.Sarif(results, Version.Current),
                _ => DiagnosticText.Render(results, console.Color, scope),
            });

            return results.Any(r => r.HasErrors) ? ExitCodes.Invalid
                : parse.GetValue(warningsAsErrors) && results.Any(r => r.Diagnostics.Count > 0) ? ExitCodes.Failed
                : ExitCodes.Success;
        });
        return command;
    }
}
