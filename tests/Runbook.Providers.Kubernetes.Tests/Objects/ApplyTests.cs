using System.Text.Json.Nodes;
using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.Support;
using static Runbook.Providers.Kubernetes.Tests.Objects.ObjectBench;

namespace Runbook.Providers.Kubernetes.Tests.Objects;

/// <summary>kubernetes.apply (server-side apply as field manager runbook) and its rollback against the test API server.</summary>
public sealed class ApplyTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private readonly ObjectBench _bench = new(Cluster.Fresh(fixture.Server));

    private string Ns => _bench.Ns;

    private static Dictionary<string, object?> ConfigMapManifest(string name, params (string Key, object? Value)[] data) =>
        Map(("apiVersion", "v1"), ("kind", "ConfigMap"), ("metadata", Map(("name", name))), ("data", Map(data)));

    [Fact]
    public async Task Apply_creates_the_object_owned_by_manager_runbook_and_its_rollback_deletes_it()
    {
        var applied = Assert.IsType<Succeeded>(await _bench.Run("kubernetes.apply", ("manifest", ConfigMapManifest("settings", ("mode", "safe")))));

        Assert.Equal(true, applied.Outputs["created"]);
        Assert.Equal("ConfigMap", applied.Outputs["kind"]);
        Assert.Equal("settings", applied.Outputs["name"]);
        Assert.Equal(_bench.Version("configmaps", "settings"), applied.Outputs["resource_version"]);
        var managed = _bench.Stored("configmaps", "settings")!["metadata"]!["managedFields"]!.AsArray();
        Assert.Contains(managed, m => m!["manager"]!.GetValue<string>() == "runbook" && m["operation"]!.GetValue<string>() == "Apply"
            && m["fieldsV1"]!["f:data"]!["f:mode"] is not null);
        Assert.Contains(_bench.Cluster.Server.Requests, r => r.Method == "PATCH" && r.ContentType?.StartsWith("application/apply-patch+yaml", StringComparison.Ordinal) == true
            && r.Query.Contains("fieldManager=runbook", StringComparison.Ordinal) && r.Query.Contains("force=false", StringComparison.Ordinal));

        var restored = Assert.IsType<Succeeded>(await _bench.Run("kubernetes.restore", ("api_version", applied.Outputs["api_version"]), ("kind", applied.Outputs["kind"]),
            ("name", applied.Outputs["name"]), ("namespace", applied.Outputs["namespace"]), ("undo", applied.Outputs["undo"])));

        Assert.Equal(true, restored.Outputs["deleted"]);
        Assert.Null(_bench.Stored("configmaps", "settings"));
    }

    [Fact]
    public async Task Applying_again_changes_the_fields_and_removes_those_the_manifest_no_longer_sets_and_the_rollback_puts_them_back()
    {
        Assert.IsType<Succeeded>(await _bench.Run("kubernetes.apply", ("manifest", ConfigMapManifest("settings", ("mode", "safe"), ("old", "1")))));

        var again = Assert.IsType<Succeeded>(await _bench.Run("kubernetes.apply", ("manifest", ConfigMapManifest("settings", ("mode", "fast")))));

        Assert.Equal(false, again.Outputs["created"]);
        Assert.Equal(true, again.Outputs["changed"]);
        Assert.Equal("fast", _bench.Data("settings", "mode"));
        Assert.Null(_bench.Data("settings", "old"));

        Assert.IsType<Succeeded>(await _bench.Run("kubernetes.restore", ("kind", "ConfigMap"), ("api_version", "v1"), ("name", "settings"), ("undo", again.Outputs["undo"])));
        Assert.Equal("safe", _bench.Data("settings", "mode"));
        Assert.Equal("1", _bench.Data("settings", "old"));
    }

    [Fact]
    public async Task A_field_another_manager_owns_is_a_conflict_naming_that_manager_and_force_takes_it_over()
    {
        Assert.IsType<Succeeded>(await _bench.Run("kubernetes.apply", ("manifest", ConfigMapManifest("settings", ("mode", "safe")))));
        _bench.Cluster.Server.ChangeAs("kubectl-edit", Ns, "configmaps", "settings", o => o["data"]!["mode"] = "edited");

        var conflict = Assert.IsType<Failed>(await _bench.Run("kubernetes.apply", ("manifest", ConfigMapManifest("settings", ("mode", "mine")))));
        var forced = Assert.IsType<Succeeded>(await _bench.Run("kubernetes.apply", ("manifest", ConfigMapManifest("settings", ("mode", "mine"))), ("force", true)));

        Assert.Contains("Apply failed with 1 conflict: conflict with \"kubectl-edit\" using v1: .data.mode", conflict.Error, StringComparison.Ordinal);
        Assert.Contains("The fields belong to 'kubectl-edit'", conflict.Error, StringComparison.Ordinal);
        Assert.Contains("force: true", conflict.Error, StringComparison.Ordinal);
        Assert.False(conflict.Retryable);
        Assert.Equal(true, forced.Outputs["changed"]);
        Assert.Equal("mine", _bench.Data("settings", "mode"));
    }

    [Fact]
    public async Task A_manifest_for_a_different_namespace_is_refused_and_nothing_is_sent()
    {
        var manifest = ConfigMapManifest("settings", ("mode", "safe"));
        ((Dictionary<string, object?>)manifest["metadata"]!)["namespace"] = "kube-system";

        var refused = Assert.IsType<Failed>(await _bench.Run("kubernetes.apply", ("manifest", manifest)));

        Assert.Contains($"the manifest is for namespace 'kube-system' but the step applies into '{Ns}'", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_bench.Cluster.Server.Requests, r => r.Path.Contains("kube-system", StringComparison.Ordinal));
        Assert.Null(_bench.Cluster.Server.Get("kube-system", "configmaps", "settings"));
    }

    [Theory]
    [InlineData("v1", "Secret")]
    [InlineData("v1", "secret")]
    [InlineData("v1", "SECRETS")]
    public async Task A_secret_manifest_is_refused_as_a_mapping_and_as_text(string apiVersion, string kind)
    {
        var mapping = Map(("apiVersion", apiVersion), ("kind", kind), ("metadata", Map(("name", "db"))), ("stringData", Map(("password", "hunter2"))));

        var asMapping = Assert.IsType<Failed>(await _bench.Run("kubernetes.apply", ("manifest", mapping)));
        var asText = Assert.IsType<Failed>(await _bench.Run("kubernetes.apply", ("manifest", $"apiVersion: {apiVersion}\nkind: {kind}\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n")));

        Assert.Contains("does not read secrets or change them", asMapping.Error, StringComparison.Ordinal);
        Assert.Contains("does not read secrets or change them", asText.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", asMapping.Error + asText.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_bench.Cluster.Server.Requests, r => r.Path.Contains(Ns, StringComparison.Ordinal) && r.Path.Contains("secret", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_manifest_file_is_read_only_from_inside_the_playbook_folder()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_bench.Cluster.Files.Directory, "playbook")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "settings.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-file\ndata:\n  mode: \"on\"\n");
        await File.WriteAllTextAsync(Path.Combine(_bench.Cluster.Files.Directory, "outside.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outside\n");
        File.CreateSymbolicLink(Path.Combine(folder, "link.yaml"), Path.Combine(_bench.Cluster.Files.Directory, "outside.yaml"));

        var applied = Assert.IsType<Succeeded>(await _bench.RunIn(folder, "kubernetes.apply", ("file", "settings.yaml")));
        var climbing = Assert.IsType<Failed>(await _bench.RunIn(folder, "kubernetes.apply", ("file", "../outside.yaml")));
        var linked = Assert.IsType<Failed>(await _bench.RunIn(folder, "kubernetes.apply", ("file", "link.yaml")));

        Assert.Equal(true, applied.Outputs["created"]);
        Assert.Equal("on", _bench.Data("from-file", "mode"));
        Assert.Contains("RB0313", climbing.Error, StringComparison.Ordinal);
        Assert.Contains("outside", linked.Error, StringComparison.Ordinal);
        Assert.Null(_bench.Stored("configmaps", "outside"));
    }

    [Fact]
    public async Task A_dry_run_is_validated_by_the_server_and_creates_or_changes_nothing()
    {
        var create = await _bench.Preview("kubernetes.apply", ("manifest", ConfigMapManifest("settings", ("mode", "safe"))));
        Assert.IsType<Succeeded>(await _bench.Run("kubernetes.apply", ("manifest", ConfigMapManifest("kept", ("mode", "safe")))));
        var version = _bench.Version("configmaps", "kept");
        var change = await _bench.Preview("kubernetes.apply", ("manifest", ConfigMapManifest("kept", ("mode", "fast"))));

        Assert.Contains("would create configmap 'settings'", create.Description, StringComparison.Ordinal);
        Assert.Null(_bench.Stored("configmaps", "settings"));
        Assert.Equal("/data/mode: \"safe\"", change.Current);
        Assert.Equal("/data/mode: \"fast\"", change.Desired);
        Assert.Equal(version, _bench.Version("configmaps", "kept"));
        Assert.Equal(2, _bench.Cluster.Server.Requests.Count(r => r.Method == "PATCH" && r.Query.Contains("dryRun=All", StringComparison.Ordinal)
            && r.Path.Contains(Ns, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_rollback_does_not_delete_a_created_object_someone_changed_since()
    {
        var applied = Assert.IsType<Succeeded>(await _bench.Run("kubernetes.apply", ("manifest", ConfigMapManifest("settings", ("mode", "safe")))));
        _bench.Cluster.Server.ChangeAs("kubectl-edit", Ns, "configmaps", "settings", o => o["data"]!["extra"] = "theirs");

        var refused = Assert.IsType<Failed>(await _bench.Run("kubernetes.restore", ("kind", "ConfigMap"), ("api_version", "v1"), ("name", "settings"), ("undo", applied.Outputs["undo"])));

        Assert.Contains("was changed or replaced by someone else after the step created it", refused.Error, StringComparison.Ordinal);
        Assert.Contains("Precondition failed", refused.Error, StringComparison.Ordinal);
        Assert.NotNull(_bench.Stored("configmaps", "settings"));
    }

    [Fact]
    public async Task A_manifest_that_is_not_one_known_object_is_refused_with_what_is_missing()
    {
        var noName = Assert.IsType<Failed>(await _bench.Run("kubernetes.apply", ("manifest", Map(("apiVersion", "v1"), ("kind", "ConfigMap"), ("metadata", Map())))));
        var list = Assert.IsType<Failed>(await _bench.Run("kubernetes.apply", ("manifest", Map(("apiVersion", "v1"), ("kind", "List"), ("metadata", Map(("name", "x")))))));
        var unknown = Assert.IsType<Failed>(await _bench.Run("kubernetes.apply", ("manifest", Map(("apiVersion", "example.com/v1"), ("kind", "Widget"), ("metadata", Map(("name", "x")))))));
        var both = Assert.IsType<Failed>(await _bench.Run("kubernetes.apply", ("manifest", ConfigMapManifest("x")), ("file", "x.yaml")));
        var broken = Assert.IsType<Failed>(await _bench.Run("kubernetes.apply", ("manifest", "kind: [unclosed")));

        Assert.Contains("needs apiVersion, kind and metadata.name", noName.Error, StringComparison.Ordinal);
        Assert.Contains("apply one object per step", list.Error, StringComparison.Ordinal);
        Assert.Contains("unknown kind 'example.com/v1/Widget'", unknown.Error, StringComparison.Ordinal);
        Assert.Contains("exactly one", both.Error, StringComparison.Ordinal);
        Assert.Contains("is not valid YAML or JSON", broken.Error, StringComparison.Ordinal);
    }
}
