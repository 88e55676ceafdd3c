using Runbook.Language.Actions;
using Runbook.Language.Model;

namespace Runbook.Execution.Tests.Support;

/// <summary>What an action returned, held to the outputs its descriptor declares: every name declared, every value of its type.</summary>
internal static class DeclaredOutputs
{
    public static void AssertAgree(string action, IReadOnlyDictionary<string, object?> outputs)
    {
        var declared = BuiltinActions.All.Single(a => a.Name == action).Outputs.ToDictionary(o => o.Name, o => o.Type);
        Assert.Equal(declared.Keys.Order(StringComparer.Ordinal), outputs.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, value) in outputs)
        {
            var fits = value is null || declared[name] switch
            {
                OutputType.String => value is string,
                OutputType.Integer => value is long,
                OutputType.Number => value is double or decimal or long,
                OutputType.Boolean => value is bool,
                OutputType.List => value is IReadOnlyList<object?>,
                OutputType.Object => value is IReadOnlyDictionary<string, object?>,
                _ => true,
            };
            Assert.True(fits, $"{action} output '{name}' is declared {declared[name]} and came back as {value!.GetType().Name}");
        }
    }
}
