using System.Text;
using Runbook.Language;
using Runbook.Language.Actions;

namespace Runbook.Providers.Kubernetes.Tests.Objects;

/// <summary>What validate says about the object actions before anything runs: secrets refused (RB0330), files kept inside the folder (RB0313), rollbacks supplied.</summary>
public sealed class ObjectValidationTests
{
    private static readonly ActionCatalog Catalog = ActionCatalog.Create([KubernetesProvider.Describe]);

    private static LoadedPlaybook Load(string steps) =>
        PlaybookLoader.Load("objects.yaml", Encoding.UTF8.GetBytes("apiVersion: runbook/v1\nkind: Playbook\nname: objects\nphases:\n  mitigate:\n" + steps),
            Catalog, KubernetesProvider.Describe);

    [Theory]
    [InlineData("secret")]
    [InlineData("Secrets")]
    [InlineData("v1/Secret")]
    [InlineData("secrets.v1.")]
    [InlineData("' SECRET '")]
    public void A_literal_secret_kind_in_a_patch_is_refused_at_its_place_with_the_fix(string kind)
    {
        var loaded = Load($"    - id: p\n      uses: kubernetes.patch\n      with:\n        kind: {kind}\n        name: db\n        patch: {{ data: {{ a: b }} }}\n");

        var diagnostic = Assert.Single(loaded.Diagnostics);
        Assert.Equal("RB0330", diagnostic.Code);
        Assert.Equal((9, 15), (diagnostic.Span.Line, diagnostic.Span.Column));
        Assert.Contains("never reads or writes Secrets", diagnostic.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_secret_manifest_is_refused_whether_written_as_a_mapping_or_as_text()
    {
        var mapping = Load("    - id: a\n      uses: kubernetes.apply\n      with:\n        manifest:\n          apiVersion: v1\n          kind: Secret\n          metadata: { name: db }\n");
        var text = Load("    - id: a\n      uses: kubernetes.apply\n      with:\n        manifest: |\n          apiVersion: v1\n          kind: secret\n          metadata: { name: db }\n");

        var fromMapping = Assert.Single(mapping.Diagnostics);
        var fromText = Assert.Single(text.Diagnostics);
        Assert.Equal(("RB0330", 11, 17), (fromMapping.Code, fromMapping.Span.Line, fromMapping.Span.Column));
        Assert.Equal("RB0330", fromText.Code);
        Assert.Contains("the manifest is a 'secret'", fromText.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kind_from_an_expression_or_another_kind_is_not_refused_at_validate_time()
    {
        var loaded = Load("    - id: p\n      uses: kubernetes.patch\n      with: { kind: \"${{ inputs.kind }}\", name: db, patch: { data: { a: b } } }\n"
            + "    - id: q\n      uses: kubernetes.patch\n      with: { kind: secretproviderclasses, name: db, patch: { data: { a: b } } }\n");

        Assert.DoesNotContain(loaded.Diagnostics, d => d.Code == "RB0330");
    }

    [Fact]
    public void A_manifest_file_outside_the_playbooks_folder_is_refused()
    {
        var loaded = Load("    - id: a\n      uses: kubernetes.apply\n      with: { file: ../../etc/manifest.yaml }\n");

        Assert.Contains(loaded.Diagnostics, d => d.Code == "RB0313");
    }

    [Fact]
    public void Patch_and_apply_get_a_rollback_without_writing_one_and_top_is_read_only()
    {
        var loaded = Load("    - id: p\n      uses: kubernetes.patch\n      with: { kind: cm, name: app, patch: { data: { a: b } } }\n"
            + "    - id: a\n      uses: kubernetes.apply\n      with: { manifest: { apiVersion: v1, kind: ConfigMap, metadata: { name: x } } }\n");
        var readOnly = PlaybookLoader.Load("top.yaml", Encoding.UTF8.GetBytes(
            "apiVersion: runbook/v1\nkind: Playbook\nname: top\nphases:\n  assess:\n    - id: t\n      uses: kubernetes.top\n      with: { kind: pods }\n"
            + "    - id: p\n      uses: kubernetes.patch\n      with: { kind: cm, name: app, patch: { data: { a: b } } }\n"), Catalog, KubernetesProvider.Describe);

        Assert.Empty(loaded.Diagnostics);
        Assert.Equal(["RB0301"], readOnly.Diagnostics.Select(d => d.Code));
    }
}
