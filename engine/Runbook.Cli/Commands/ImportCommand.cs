using System.CommandLine;
using Runbook.Cli.Composition;
using Runbook.Cli.Rendering;
using Runbook.Import;

namespace Runbook.Cli.Commands;

/// <summary>runbook import: a markdown runbook into draft playbooks (engine/Runbook.Import does the work).</summary>
internal static class ImportCommand
{
    public static Command Create(CliConsole console)
    {
        var runbook = new Argument<string>("runbook") { Description = "The markdown runbook (RUNBOOK.md)." };
        var output = new Option<string>("--out", "-o") { Description = "Folder for the drafts (created when missing; default: the current folder).", HelpName = "dir" };
        var hint = new Option<string>("--provider-hint")
        {
            Description = $"Keep only this provider's variant where the runbook gives one per platform, and check the drafts on it: {string.Join(", ", ProviderRegistry.Names)}.",
            HelpName = "name",
        };
        var force = new Option<bool>("--force") { Description = "Replace draft files that already exist (never done without it)." };
        var format = CommonOptions.Format("Summary: text for people, json for tools.", "text", "json");
        var command = new Command("import", "Turn a markdown runbook into draft playbooks that validate: sections become playbooks, commands steps "
            + "(provider actions where one covers them), placeholders inputs, destructive commands approvals. Prints a summary per draft. "
            + "Exit 0 written, 2 bad input or a file in the way.")
        {
            runbook, output, hint, force, format,
        };
        command.SetAction(parse =>
        {
            var provider = CommonOptions.ResolveProvider(parse.GetValue(hint));
            var path = Path.Combine(console.WorkingDirectory, parse.GetRequiredValue(runbook));
            var directory = Path.GetFullPath(Path.Combine(console.WorkingDirectory, parse.GetValue(output) ?? "."));
            var json = parse.GetRequiredValue(format) == "json";
            var result = Importer.ImportFile(Display(console, path), ProviderRegistry.Catalog, new ImportOptions(Display(console, directory), provider));
            if (result.HasErrors)
            {
                console.Out.Write(json ? ImportRendering.Json(result, [], []) : ImportRendering.Text(result, [], [], Display(console, directory), console.Color));
                return ExitCodes.Invalid;
            }

            var (written, problems) = DraftWriter.Write(result.Drafts, directory, parse.GetValue(force));
            var shown = written.Select(w => Display(console, w)).ToList();
            console.Out.Write(json ? ImportRendering.Json(result, shown, problems) : ImportRendering.Text(result, shown, problems, Display(console, directory), console.Color));
            return problems.Any(p => p.IsError) ? ExitCodes.Invalid : ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Paths as the user wrote them, relative to the working folder when inside it, so output does not depend on where the folder is.</summary>
    private static string Display(CliConsole console, string path)
    {
        var relative = Path.GetRelativePath(console.WorkingDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}
