using System.Collections.Immutable;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;
using Runbook.Language.Text;

namespace Runbook.Language.Binding;

public sealed partial class PlaybookBinder
{
    /// <summary>
    /// providers: [kubernetes, compose]: the providers the playbook is for. Only names the language or the catalog knows
    /// are kept, each once, so what is bound can be trusted by validate, plan and exec.
    /// </summary>
    private ImmutableArray<ProviderClaim> BindProviders(MapReader reader)
    {
        var known = PlaybookProviders.KnownNames.Concat(_catalog.Providers.Select(p => p.Name)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (reader["providers"] is Yaml.YamlSequence { Items.Length: 0 } node)
        {
            _diagnostics.Add(Descriptors.InvalidValue, node.Span, "providers: lists no provider, so the playbook could run nowhere",
                $"list the providers it is for, e.g. providers: [{known[0]}], or remove providers: to have them computed from its actions");
            return [];
        }

        var result = ImmutableArray.CreateBuilder<ProviderClaim>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in reader.ScalarList("providers"))
        {
            if (!seen.Add(item.Value))
            {
                _diagnostics.Add(Descriptors.ProviderListedTwice, item.Span, $"provider '{item.Value}' is listed twice under providers:", "list each provider once");
            }
            else if (!known.Contains(item.Value, StringComparer.Ordinal))
            {
                var lowerCaseHint = known.Contains(item.Value.ToLowerInvariant(), StringComparer.Ordinal) ? " (provider names are lower case)" : string.Empty;
                _diagnostics.Add(Descriptors.UnknownProvider, item.Span,
                    $"unknown provider '{item.Value}'{Suggestions.DidYouMean(item.Value, known)}{lowerCaseHint}",
                    $"the providers are: {string.Join(", ", known)}");
            }
            else
            {
                result.Add(new ProviderClaim(item.Value, item.Span));
            }
        }

        return result.ToImmutable();
    }
}
