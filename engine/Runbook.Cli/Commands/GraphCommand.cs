using System.CommandLine;
using Runbook.Language.Graph;

namespace Runbook.Cli.Commands;

internal static class GraphCommand
{
    public static Command Create(CliConsole console)
    {
        var file = PlaybookArguments.File();
        var command = new Command("graph", "Print the step graph as a Mermaid flowchart: phases as barriers, needs and steps.X references as edges.")
        {
            file,
        };
        command.SetAction(parse =>
        {
            var loaded = PlaybookArguments.LoadValid(parse.GetRequiredValue(file), provider: null, console);
            if (loaded is null)
            {
                return ExitCodes.Invalid;
            }

            console.Out.Write(Mermaid.Render(loaded.Graph!));
            return ExitCodes.Success;
        });
        return command;
    }
}
