using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;

namespace Runbook.Language.Checking;

public sealed partial class PlaybookChecker
{
    /// <summary>
    /// For an action whose safety depends on its command (<see cref="ActionDescriptor.MutatesWhen"/>): the command's
    /// name must be literal (RB0323), must not be one the action refuses (RB0322), and a step that says
    /// <c>mutates: false</c> must not send a command that mutates (RB0321). The binder already made a mutating
    /// command's step mutating and a FLUSH* step irreversible, so RB0301 and RB0303 apply as to any step.
    /// A rollback is held to the same rules, and to one more: it runs when something has already failed, with no
    /// one asked, so it must not send what cannot be undone (RB0340).
    /// </summary>
    private void CheckCommandRule(Step step, StepAction action, ActionDescriptor? descriptor, bool inRollback)
    {
        if (descriptor?.MutatesWhen is not { } rule || action is not UsesAction uses || uses.Find(rule.Argument) is not { } argument)
        {
            return;
        }

        var where = inRollback ? $"the rollback of step '{step.Id}'" : $"step '{step.Id}'";

        if (argument.Value is not ListArgument command)
        {
            // A whole command from an expression (a list input) could be FLUSHALL in a step without an approval. A
            // literal that is not a list is already RB0101.
            if (argument.Value is ScalarArgument { Text.IsLiteral: false })
            {
                _diagnostics.Add(Descriptors.CommandNameNotLiteral, argument.Value.Span,
                    $"the command of '{uses.Name}' in {where} is an expression, so neither the checker nor the approval can tell what it does",
                    "write the command as a list whose first word is literal ([GET, \"${{ inputs.key }}\"]); values go in the later items");
            }

            return;
        }

        var words = CommandRule.LiteralWords(command);
        if (words.Count == 0)
        {
            var first = command.Items.IsEmpty ? command.Span : command.Items[0].Span;
            _diagnostics.Add(Descriptors.CommandNameNotLiteral, first,
                $"the command name of '{uses.Name}' in {where} is {(command.Items.IsEmpty ? "missing" : "an expression")}, so neither the checker nor the approval can tell what it does",
                "write the command's name as a literal word ([GET, \"${{ inputs.key }}\"]); values go in the later items");
            return;
        }

        var name = rule.NameOf(words);
        switch (rule.Classify(words))
        {
            case CommandEffect.Refused:
                _diagnostics.Add(Descriptors.CommandRefused, command.Items[0].Span,
                    $"'{uses.Name}' never sends {name}: {rule.Refused[name]}",
                    "use another command or action for this");
                break;
            case CommandEffect.Irreversible when inRollback:
                _diagnostics.Add(Descriptors.IrreversibleRollback, command.Items[0].Span,
                    $"the rollback of step '{step.Id}' sends {name}, which cannot be undone, and a rollback runs with no one asked",
                    "undo exactly what the step did (delete the keys it wrote, restore the value it changed); run irreversible commands as their own step with an approval");
                break;
            case CommandEffect.Mutating or CommandEffect.Irreversible when !inRollback && !step.Mutates:
                _diagnostics.Add(Descriptors.CommandMutatesDespiteDeclaration, command.Items[0].Span,
                    $"step '{step.Id}' says 'mutates: false', but {name} changes data",
                    "remove 'mutates: false' (and move the step to mitigate or resolve), or send a command that only reads");
                break;
        }
    }
}
