using Runbook.Execution.Engine;
using Runbook.Language.Actions;

namespace Runbook.Execution.Tests.Support;

/// <summary>What an action returned, held to the outputs its descriptor declares: every name declared, every value of its type.</summary>
internal static class ActionOutputContract
{
    public static void AssertAgree(string action, IReadOnlyDictionary<string, object?> outputs)
    {
        var declared = BuiltinActions.All.Single(a => a.Name == action).Outputs.ToDictionary(o => o.Name, o => o.Type);
        Assert.Equal(declared.Keys.Order(StringComparer.Ordinal), outputs.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, value) in outputs)
        {
            Assert.True(DeclaredOutputs.Holds(declared[name], value),
                $"{action} output '{name}' is declared {declared[name]} and came back as {value!.GetType().Name}");
        }
    }
}
