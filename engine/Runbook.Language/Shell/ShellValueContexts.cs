using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Runbook.Language.Shell;

/// <summary>What a context does with a value that stands in it.</summary>
public enum ShellValueDemand
{
    /// <summary>Only ever data: the value is printed, compared or passed as one argument.</summary>
    Data,

    /// <summary>Evaluated as arithmetic: safe only when the value is an integer literal.</summary>
    Integer,

    /// <summary>Run, sourced or used as a name: no value is safe there.</summary>
    Code,
}

/// <summary>Where a variable's value is evaluated, and the construct that does it (for the message).</summary>
public sealed record ShellValueUse(ShellValueDemand Demand, string Construct, int Line);

/// <summary>
/// The second half of the injection rule: finds, in a script whose expressions are already variable references
/// (<see cref="ShellReferences"/>), every place where the shell evaluates a variable's VALUE again — arithmetic,
/// array subscripts, <c>[[ -eq ]]</c> operands, <c>eval</c>, <c>sh -c</c>, names given to <c>printf -v</c> and
/// the like — and which variables reach those places, also through shell variables the script copies them into.
/// Anything it cannot follow is treated as code: a false "data" would be an injection.
/// </summary>
public static partial class ShellValueContexts
{
    /// <summary>The strongest demand on each variable of <paramref name="script"/> (variables it does not evaluate are absent).</summary>
    public static ImmutableDictionary<string, ShellValueUse> Analyze(string script, string shell)
    {
        var facts = new ShellFacts();
        try
        {
            if (shell == "pwsh")
            {
                new PowerShellScanner(script, facts).Scan();
            }
            else
            {
                new PosixScanner(script, facts).Scan();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return ImmutableDictionary<string, ShellValueUse>.Empty.Add(AnyVariable, new ShellValueUse(ShellValueDemand.Code, "a script the checker cannot follow", 1));
        }

        return facts.Resolve();
    }

    /// <summary>A variable the shell or the programs it starts read as code (BASH_ENV, PS4, LD_PRELOAD …).</summary>
    public static bool IsCodeVariable(string name) => PosixScanner.IsCodeVariable(name);

    /// <summary>Set when the analysis failed: every variable must then be treated as code.</summary>
    public const string AnyVariable = "*";

    /// <summary>What <paramref name="variable"/> must be, given an analysis.</summary>
    public static ShellValueUse? DemandOn(ImmutableDictionary<string, ShellValueUse> analysis, string variable) =>
        analysis.TryGetValue(AnyVariable, out var any) ? any : analysis.GetValueOrDefault(variable);

    /// <summary>
    /// An integer that every shell reads as the same decimal number in arithmetic: an optional '-' and decimal
    /// digits without a leading zero (bash reads <c>010</c> as octal 8 and <c>08</c> as an error), at most 18 digits
    /// (no silent 64-bit overflow). <c>0x1F</c>, <c>2#101</c>, <c>1e3</c>, '+5' and spaces are refused.
    /// </summary>
    public static bool IsIntegerLiteral(string value) => IntegerLiteral().IsMatch(value);

    [GeneratedRegex(@"^-?(0|[1-9][0-9]{0,17})\z", RegexOptions.CultureInvariant)]
    private static partial Regex IntegerLiteral();
}

/// <summary>What a scanner learns: which variables are evaluated where, and which variables flow into which.</summary>
internal sealed class ShellFacts
{
    public const string Positional = "#positional";

    private readonly Dictionary<string, ShellValueUse> _uses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _flowsInto = new(StringComparer.Ordinal); // source → targets
    private readonly List<(string Name, HashSet<string> Sources)> _calls = [];
    private readonly HashSet<string> _functions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _stdinTargets = new(StringComparer.Ordinal);
    private readonly HashSet<string> _stdinSources = new(StringComparer.Ordinal);

    public void Use(string name, ShellValueDemand demand, string construct, int line)
    {
        if (demand == ShellValueDemand.Data)
        {
            return;
        }

        if (!_uses.TryGetValue(name, out var existing) || existing.Demand < demand)
        {
            _uses[name] = new ShellValueUse(demand, construct, line);
        }
    }

    public void Use(IEnumerable<string> names, ShellValueDemand demand, string construct, int line)
    {
        foreach (var name in names)
        {
            Use(name, demand, construct, line);
        }
    }

    public void Flow(string target, IEnumerable<string> sources)
    {
        foreach (var source in sources)
        {
            if (!_flowsInto.TryGetValue(source, out var targets))
            {
                _flowsInto[source] = targets = new HashSet<string>(StringComparer.Ordinal);
            }

            targets.Add(target);
        }
    }

    public void Function(string name) => _functions.Add(name);

    public void Call(string name, HashSet<string> sources) => _calls.Add((name, sources));

    public void StdinSources(IEnumerable<string> names) => _stdinSources.UnionWith(names);

    public void StdinTarget(string name) => _stdinTargets.Add(name);

    /// <summary>Each variable's strongest demand, over every variable its value can reach.</summary>
    public ImmutableDictionary<string, ShellValueUse> Resolve()
    {
        foreach (var (name, sources) in _calls)
        {
            if (_functions.Contains(name))
            {
                Flow(Positional, sources); // a function's $1, $@ … are its callers' arguments
            }
        }

        foreach (var target in _stdinTargets)
        {
            Flow(target, _stdinSources);
        }

        var result = ImmutableDictionary.CreateBuilder<string, ShellValueUse>(StringComparer.Ordinal);
        foreach (var name in _uses.Keys.Concat(_flowsInto.Keys).Distinct(StringComparer.Ordinal))
        {
            ShellValueUse? strongest = null;
            var seen = new HashSet<string>(StringComparer.Ordinal) { name };
            var pending = new Queue<string>([name]);
            while (pending.TryDequeue(out var current))
            {
                if (_uses.TryGetValue(current, out var use) && (strongest is null || strongest.Demand < use.Demand))
                {
                    strongest = use;
                }

                foreach (var next in _flowsInto.GetValueOrDefault(current) ?? [])
                {
                    if (seen.Add(next))
                    {
                        pending.Enqueue(next);
                    }
                }
            }

            if (strongest is not null)
            {
                result[name] = strongest;
            }
        }

        return result.ToImmutable();
    }
}
