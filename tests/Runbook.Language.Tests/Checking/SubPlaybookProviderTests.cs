using System.Collections.Immutable;
using Runbook.Language.Actions;

namespace Runbook.Language.Tests.Checking;

/// <summary>RB0317: a sub-playbook named by a literal path must be for every provider its parent is for.</summary>
public sealed class SubPlaybookProviderTests : IDisposable
{
    private static readonly ActionDescriptor KubernetesGet = new("kubernetes.get", "Read an object.", false,
        [new ParameterDescriptor("kind", ParameterType.String, true, "Kind.")], [OutputDescriptor.Json("object")], "get {kind}");

    private static readonly ImmutableHashSet<string> AllServiceActions = [.. ServiceActions.All.Select(a => a.Name)];

    private static readonly ActionCatalog Catalog = ActionCatalog.Create(
    [
        new ProviderDescriptor("kubernetes", "k", [KubernetesGet], AllServiceActions, ImmutableDictionary<string, string>.Empty),
        new ProviderDescriptor("compose", "c", [], AllServiceActions, ImmutableDictionary<string, string>.Empty),
    ]);

    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-subplaybook-").FullName;

    private const string Describe = "    - id: status\n      uses: service.describe\n      with: { service: api }\n";
    private const string Pods = "    - id: pods\n      uses: kubernetes.get\n      with: { kind: pods }\n";

    private string Write(string name, string? providers, string steps)
    {
        var path = Path.Combine(_folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"apiVersion: runbook/v1\nkind: Playbook\nname: n\n{(providers is null ? "description: d" : $"providers: {providers}")}\nphases:\n  mitigate:\n{steps}");
        return path;
    }

    private static string RunChild(string path) =>
        $"    - id: child\n      uses: playbook.run\n      with: {{ path: \"{path}\" }}\n      rollback:\n        run: echo undo\n";

    private static List<string> Errors(string path) =>
        [.. PlaybookLoader.LoadFile(path, Catalog).Diagnostics.Where(d => d.IsError).Select(d => $"{d.Code} {d.Span.Line}:{d.Span.Column} {d.Message}")];

    [Fact]
    public void A_parent_claiming_a_provider_its_child_is_not_for_is_RB0317_at_the_path()
    {
        Write("child.yaml", "[kubernetes]", Describe);

        var errors = Errors(Write("parent.yaml", "[compose, kubernetes]", RunChild("child.yaml")));

        Assert.Equal(["RB0317 9:21 'child.yaml' is for kubernetes (its providers:), not for compose, which this playbook is for (its providers:)"], errors);
    }

    [Fact]
    public void A_computed_parent_running_a_platform_child_is_told_to_claim_the_platform()
    {
        Write("child.yaml", null, Pods);

        var loaded = PlaybookLoader.LoadFile(Write("parent.yaml", null, RunChild("child.yaml")), Catalog);

        var error = Assert.Single(loaded.Diagnostics, d => d.IsError);
        Assert.Equal("RB0317", error.Code);
        Assert.Contains("(what its actions need)", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("add providers: [kubernetes] to this playbook", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_child_for_every_provider_of_its_parent_is_accepted()
    {
        Write("sub/child.yaml", "[compose, kubernetes]", Describe);

        Assert.Empty(Errors(Write("parent.yaml", "[kubernetes]", RunChild("sub/child.yaml"))));
    }

    [Fact]
    public void A_child_path_that_leaves_the_folder_is_not_read_for_the_check()
    {
        var outside = Directory.CreateTempSubdirectory("runbook-subplaybook-outside-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "child.yaml"), "apiVersion: runbook/v1\nkind: Playbook\nname: c\nproviders: [kubernetes]\nphases:\n  assess:\n" + Describe);

            var errors = Errors(Write("parent.yaml", "[compose]", RunChild($"../{Path.GetFileName(outside)}/child.yaml")));

            Assert.DoesNotContain(errors, e => e.StartsWith("RB0317", StringComparison.Ordinal));
            Assert.Contains(errors, e => e.StartsWith("RB0313", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void A_missing_or_broken_child_is_left_to_the_run_that_loads_it()
    {
        File.WriteAllText(Path.Combine(_folder, "broken.yaml"), "providers: [kubernetes\n  - : :");

        Assert.Empty(Errors(Write("parent.yaml", "[compose]", RunChild("missing.yaml") + RunChild("broken.yaml").Replace("id: child", "id: other", StringComparison.Ordinal))));
    }

    [Fact]
    public void A_playbook_that_runs_itself_is_checked_once_without_looping()
    {
        var path = Write("self.yaml", "[compose]", RunChild("self.yaml"));

        Assert.Empty(Errors(path));
    }

    [Fact]
    public void A_child_path_computed_by_an_expression_is_not_checked_before_the_run()
    {
        Write("child.yaml", "[kubernetes]", Describe);
        var steps = "    - id: child\n      uses: playbook.run\n      with: { path: \"${{ inputs.which }}\" }\n      rollback:\n        run: echo undo\n";
        var path = Path.Combine(_folder, "parent.yaml");
        File.WriteAllText(path, $"apiVersion: runbook/v1\nkind: Playbook\nname: n\nproviders: [compose]\ninputs:\n  which: {{ type: string, default: child.yaml }}\nphases:\n  mitigate:\n{steps}");

        Assert.Empty(Errors(path));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
