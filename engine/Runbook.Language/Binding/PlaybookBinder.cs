using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;
using Runbook.Language.Text;
using Runbook.Language.Yaml;

namespace Runbook.Language.Binding;

/// <summary>
/// Turns the YAML tree into the typed <see cref="Playbook"/>, reporting every structural problem on the way.
/// It binds as much as it can around errors, so one pass finds everything.
/// </summary>
public sealed partial class PlaybookBinder
{
    public const string ApiVersion = "runbook/v1";
    public const string Kind = "Playbook";

    private static readonly string[] TopKeys = ["apiVersion", "kind", "name", "description", "severity", "labels", "inputs", "env", "providers", "phases"];
    private static readonly string[] Severities = ["P0", "P1", "P2", "P3", "P4"];

    private readonly ActionCatalog _catalog;
    private readonly DiagnosticBag _diagnostics;
    private readonly string _path;

    private PlaybookBinder(string path, ActionCatalog catalog, DiagnosticBag diagnostics)
    {
        _path = path;
        _catalog = catalog;
        _diagnostics = diagnostics;
    }

    public static Playbook? Bind(YamlNode root, string path, ActionCatalog catalog, DiagnosticBag diagnostics) =>
        new PlaybookBinder(path, catalog, diagnostics).BindPlaybook(root);

    private Playbook? BindPlaybook(YamlNode root)
    {
        if (root is not YamlMapping map)
        {
            _diagnostics.Add(Descriptors.WrongType, root.Span, $"a playbook is a mapping of keys, found {root.KindName}",
                "start with 'apiVersion: runbook/v1', 'kind: Playbook', 'name: …' and 'phases:'");
            return null;
        }

        var reader = new MapReader(map, "the playbook", TopKeys, _diagnostics);
        CheckHeader(reader);
        var name = reader.RequiredString("name", "the playbook", "add 'name: my-playbook'") ?? string.Empty;
        var severity = reader.String("severity");
        if (severity is not null && !Severities.Contains(severity))
        {
            _diagnostics.Add(Descriptors.InvalidValue, reader["severity"]!.Span, $"severity '{severity}' is not one of {string.Join(", ", Severities)}",
                "use P0 (critical) to P4 (lowest)");
        }

        return new Playbook(
            _path,
            map.Span,
            name,
            reader.String("description"),
            severity,
            BindLabels(reader),
            BindInputs(reader.Mapping("inputs")),
            BindPhases(reader))
        {
            Environment = BindEnvironment(reader),
            Providers = BindProviders(reader),
        };
    }

    /// <summary>env: [NAME, …]: the only process variables expressions may read.</summary>
    private ImmutableArray<EnvironmentVariable> BindEnvironment(MapReader reader)
    {
        var result = ImmutableArray.CreateBuilder<EnvironmentVariable>();
        foreach (var item in reader.ScalarList("env"))
        {
            if (!IdentifierPattern().IsMatch(item.Value))
            {
                _diagnostics.Add(Descriptors.InvalidValue, item.Span, $"'{item.Value}' is not an environment variable name",
                    "list names of letters, digits and '_', e.g. env: [DEPLOY_REGION]");
            }
            else if (result.Any(v => v.Name == item.Value))
            {
                _diagnostics.Add(Descriptors.InvalidValue, item.Span, $"'{item.Value}' is listed twice under env:", "list each variable once");
            }
            else
            {
                result.Add(new EnvironmentVariable(item.Value, item.Span));
            }
        }

        return result.ToImmutable();
    }

    private void CheckHeader(MapReader reader)
    {
        var apiVersion = reader.RequiredString("apiVersion", "the playbook", $"add 'apiVersion: {ApiVersion}' as the first line");
        if (apiVersion is not null && apiVersion != ApiVersion)
        {
            _diagnostics.Add(Descriptors.UnsupportedVersion, reader["apiVersion"]!.Span,
                $"apiVersion '{apiVersion}' is not supported", $"use 'apiVersion: {ApiVersion}'");
        }

        var kind = reader.RequiredString("kind", "the playbook", $"add 'kind: {Kind}'");
        if (kind is not null && kind != Kind)
        {
            _diagnostics.Add(Descriptors.UnsupportedVersion, reader["kind"]!.Span, $"kind '{kind}' is not supported", $"use 'kind: {Kind}'");
        }
    }

    private ImmutableArray<KeyValuePair<string, string>> BindLabels(MapReader reader)
    {
        var labels = reader.Mapping("labels");
        if (labels is null)
        {
            return [];
        }

        var result = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
        foreach (var (key, value) in labels.Entries)
        {
            if (value is YamlScalar s)
            {
                result.Add(new(key.Value, s.Value));
            }
            else
            {
                _diagnostics.Add(Descriptors.WrongType, value.Span, $"label '{key.Value}' must be a plain value, found {value.KindName}", "write labels as key: value pairs");
            }
        }

        return result.ToImmutable();
    }

    /// <summary>Checks that a step id or input name is an identifier an expression can address.</summary>
    private bool CheckIdentifier(string name, SourceSpan span, string what)
    {
        if (IdentifierPattern().IsMatch(name))
        {
            return true;
        }

        var fixedName = Regex.Replace(name, "[^A-Za-z0-9_]", "_");
        if (fixedName.Length == 0 || char.IsDigit(fixedName[0]))
        {
            fixedName = "_" + fixedName;
        }

        _diagnostics.Add(Descriptors.InvalidIdentifier, span,
            $"{what} '{name}' is not an identifier: expressions read it as {(name.Contains('-', StringComparison.Ordinal) ? "a subtraction" : "something else")}",
            $"use letters, digits and '_' only, e.g. '{fixedName}'");
        return false;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex IdentifierPattern();
}
