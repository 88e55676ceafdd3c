using System.CommandLine;
using Runbook.Cli.Composition;
using Runbook.Cli.Rendering;
using Runbook.Language.Diagnostics;
using Runbook.Language.Inputs;
using Runbook.Language.Planning;

namespace Runbook.Cli.Commands;

internal static class PlanCommand
{
    public static Command Create(CliConsole console)
    {
        var file = PlaybookArguments.File();
        var provider = CommonOptions.Provider(required: true);
        var inputs = PlaybookArguments.Inputs();
        var format = CommonOptions.Format("Output: text, markdown (a pull-request comment with a Mermaid graph), json (schemas/plan.schema.json).",
            "text", "markdown", "json");
        var output = new Option<string>("--out", "-o") { Description = "Also write the JSON plan to this file, for 'runbook exec --plan'.", HelpName = "file" };

        var command = new Command("plan", "Show what a run would do on a provider, without network or credentials: every step in order, "
            + "values rendered where known (⟨…⟩ where only known at run time), approval gates and the rollback plan.")
        {
            file, provider, inputs, format, output,
        };
        command.SetAction(parse =>
        {
            var target = CommonOptions.ResolveProvider(parse.GetRequiredValue(provider))!;
            var given = PlaybookArguments.ParseInputs(parse.GetValue(inputs));
            var loaded = PlaybookArguments.LoadValid(parse.GetRequiredValue(file), target, console, refuseIfNotFor: true);
            if (loaded is null)
            {
                return ExitCodes.Invalid;
            }

            var diagnostics = new DiagnosticBag();
            var values = InputValues.Bind(loaded.Playbook!, given, diagnostics);
            if (diagnostics.HasErrors)
            {
                foreach (var d in diagnostics.Items)
                {
                    console.Error.WriteLine($"runbook: {d.Message} ({d.Fix})");
                }

                return ExitCodes.Invalid;
            }

            var plan = Planner.Build(loaded, ProviderRegistry.Catalog, target, values);
            if (parse.GetValue(output) is { } path)
            {
                File.WriteAllText(path, PlanDocument.Serialize(plan));
            }

            console.Out.Write(parse.GetRequiredValue(format) switch
            {
                "markdown" => PlanMarkdown.Render(plan),
                "json" => PlanDocument.Serialize(plan),
                _ => PlanText.Render(plan),
            });
            return ExitCodes.Success;
        });
        return command;
    }
}
