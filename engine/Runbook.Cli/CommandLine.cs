using System.CommandLine;
using Runbook.Cli.Commands;

namespace Runbook.Cli;

/// <summary>The `runbook` command tree. Commands parse arguments and render; the engine does the work.</summary>
internal static class CommandLine
{
    public static int Run(string[] args, CliConsole console)
    {
        var root = new RootCommand("""
            RunbookEngine: on-call runbooks as checked, plannable, executable playbooks.

            Examples:
              runbook validate playbooks/ --format github
              runbook plan playbooks/high-error-rate.yaml --provider kubernetes --format markdown
              runbook exec playbooks/service-down.yaml --env prod --input service=checkout
              runbook approve RUN_ID STEP --as alice --comment "checked the dashboards"
              runbook resume RUN_ID
              runbook show RUN_ID --format markdown
              runbook import RUNBOOK.md --out playbooks/drafts/

            Docs: docs/language.md, docs/expressions.md, docs/execution.md, docs/providers.md, docs/diagnostics.md, docs/import.md
            """)
        {
            ValidateCommand.Create(console),
            PlanCommand.Create(console),
            GraphCommand.Create(console),
            ProvidersCommand.Create(console),
            ExecCommand.Create(console),
            RunCommands.Resume(console),
            ApprovalCommands.Approve(console),
            ApprovalCommands.Deny(console),
            RunCommands.Rollback(console),
            HistoryCommands.History(console),
            HistoryCommands.Show(console),
            ImportCommand.Create(console),
        };

        try
        {
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
            {
                foreach (var error in parse.Errors)
                {
                    console.Error.WriteLine($"runbook: {error.Message}");
                }

                var command = parse.CommandResult.Command;
                var name = command == root ? "runbook" : $"runbook {command.Name}";
                console.Error.WriteLine($"Run '{name} --help' for usage.");
                return ExitCodes.Invalid;
            }

            return parse.Invoke(new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null, // Ctrl-C is ours: see Execution/Interrupts.cs
            });
        }
        catch (UsageException ex)
        {
            console.Error.WriteLine($"runbook: {ex.Message}");
            return ExitCodes.Invalid;
        }
        catch (Exception ex)
        {
            // Bad input never gets here (the loader reports it as diagnostics); this is a bug in runbook.
            console.Error.WriteLine($"runbook: internal error: {ex.GetType().Name}: {ex.Message}");
            console.Error.WriteLine("This is a bug in runbook, not in your playbook. Please report it with the command you ran.");
            return ExitCodes.InternalError;
        }
    }
}

/// <summary>A usage problem found after parsing (an unknown provider, a malformed --input): exit 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
