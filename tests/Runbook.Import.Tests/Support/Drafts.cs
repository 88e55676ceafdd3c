using System.Text;
using Runbook.Language;
using Runbook.Language.Actions;
using Runbook.Language.Text;
using Runbook.Providers.Aws;
using Runbook.Providers.Azure;
using Runbook.Providers.Compose;
using Runbook.Providers.Gcp;
using Runbook.Providers.Kubernetes;
using YamlDotNet.RepresentationModel;

namespace Runbook.Import.Tests.Support;

/// <summary>Imports markdown written in a test, and reads the drafts back as the YAML a human (and the loader) sees.</summary>
internal static class Drafts
{
    public static ActionCatalog Catalog { get; } = ActionCatalog.Create(
        [new ComposeProvider().Descriptor, new KubernetesProvider().Descriptor, new AwsProvider().Descriptor, new AzureProvider().Descriptor, new GcpProvider().Descriptor]);

    public static ImportResult Import(string markdown, string? hint = null, string name = "runbook.md") =>
        Import(Encoding.UTF8.GetBytes(markdown), hint, name);

    public static ImportResult Import(byte[] bytes, string? hint = null, string name = "runbook.md") =>
        Importer.Import(name, bytes, Catalog, new ImportOptions("drafts", hint is null ? null : Catalog.FindProvider(hint)));

    /// <summary>The only draft of a markdown page with one procedure; fails when there are errors or several drafts.</summary>
    public static DraftPlaybook Single(string markdown, string? hint = null)
    {
        var result = Import(markdown, hint);
        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        return Assert.Single(result.Drafts);
    }

    /// <summary>Loads a draft with the language's own loader: what runbook validate would say of it.</summary>
    public static LoadedPlaybook Load(DraftPlaybook draft) => PlaybookLoader.Load(new SourceText("drafts/" + draft.FileName, draft.Yaml), Catalog);

    public static IReadOnlyList<DraftStep> Steps(DraftPlaybook draft)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(draft.Yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var steps = new List<DraftStep>();
        foreach (var (phase, list) in ((YamlMappingNode)root["phases"]).Children)
        {
            foreach (var item in ((YamlSequenceNode)list).Children.Cast<YamlMappingNode>())
            {
                steps.Add(new DraftStep(((YamlScalarNode)phase).Value!, item));
            }
        }

        return steps;
    }

    public static YamlMappingNode Root(DraftPlaybook draft)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(draft.Yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    /// <summary>An input of the draft as written: its type and default (null when it has none).</summary>
    public static (string Type, string? Default) Input(DraftPlaybook draft, string name)
    {
        var inputs = (YamlMappingNode)Root(draft)["inputs"];
        var input = (YamlMappingNode)inputs[name];
        return (((YamlScalarNode)input["type"]).Value!, input.Children.TryGetValue("default", out var d) ? ((YamlScalarNode)d).Value : null);
    }

    public static IReadOnlyList<string> InputNames(DraftPlaybook draft) =>
        Root(draft).Children.TryGetValue("inputs", out var inputs) ? [.. ((YamlMappingNode)inputs).Children.Keys.Select(k => ((YamlScalarNode)k).Value!)] : [];
}

/// <summary>A step of a draft as its YAML says it.</summary>
internal sealed record DraftStep(string Phase, YamlMappingNode Node)
{
    public string Id => Scalar("id")!;

    public string? Uses => Scalar("uses");

    public string? Run => Scalar("run");

    public string? Name => Scalar("name");

    public string? If => Scalar("if");

    public bool HasApproval => Node.Children.ContainsKey("approval");

    public bool HasRollback => Node.Children.ContainsKey("rollback");

    public string? Scalar(string key) => Node.Children.TryGetValue(key, out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    public string? With(string key) =>
        Node.Children.TryGetValue("with", out var with) && ((YamlMappingNode)with).Children.TryGetValue(key, out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    public IReadOnlyList<string> WithList(string key) =>
        [.. ((YamlSequenceNode)((YamlMappingNode)Node["with"])[key]).Children.Select(c => ((YamlScalarNode)c).Value!)];
}
