using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.Support;
using static Runbook.Providers.Kubernetes.Tests.Objects.ObjectBench;

namespace Runbook.Providers.Kubernetes.Tests.Objects;

/// <summary>kubernetes.patch and its rollback against the test API server: the three patch types, hostile values, secrets, dry run.</summary>
public sealed class PatchTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private readonly ObjectBench _bench = new(Cluster.Fresh(fixture.Server));

    private string Ns => _bench.Ns;

    [Fact]
    public async Task A_merge_patch_changes_only_the_fields_it_names_and_returns_the_object_after()
    {
        _bench.ConfigMap("app", ("a", "1"), ("b", "2"));

        var patched = Assert.IsType<Succeeded>(await _bench.Run("kubernetes.patch", ("kind", "cm"), ("name", "app"), ("patch", Map(("data", Map(("a", "x")))))));

        Assert.Equal("x", _bench.Data("app", "a"));
        Assert.Equal("2", _bench.Data("app", "b"));
        Assert.Equal(true, patched.Outputs["changed"]);
        Assert.Equal(_bench.Version("configmaps", "app"), patched.Outputs["resource_version"]);
        var after = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(patched.Outputs["object"]);
        Assert.Equal("x", Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(after["data"])["a"]);
        Assert.Contains(_bench.Cluster.Server.Requests, r => r.Method == "PATCH" && r.Path == $"/api/v1/namespaces/{Ns}/configmaps/app"
            && r.ContentType?.StartsWith("application/merge-patch+json", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_patch_value_with_quotes_newlines_and_expression_markers_is_stored_as_that_one_value()
    {
        const string Hostile = "it's \"quoted\"\nsecond line ${{ inputs.token }} $(rm -rf /) `id` \\\" }, \"injected\": \"yes";
        _bench.ConfigMap("app", ("a", "1"));

        Assert.IsType<Succeeded>(await _bench.Run("kubernetes.patch", ("kind", "configmap"), ("name", "app"), ("patch", Map(("data", Map(("a", Hostile)))))));
        Assert.IsType<Succeeded>(await _bench.Run("kubernetes.patch", ("kind", "configmap"), ("name", "app"), ("type", "json"),
            ("patch", List(Map(("op", "add"), ("path", "/data/b"), ("value", Hostile))))));

        Assert.Equal(Hostile, _bench.Data("app", "a"));
        Assert.Equal(Hostile, _bench.Data("app", "b"));
        Assert.Null(_bench.Data("app", "injected"));
    }

    [Fact]
    public async Task A_strategic_patch_merges_containers_and_env_by_name_instead_of_replacing_the_lists()
    {
        await _bench.Cluster.Server.CreateDeploymentAsync(Ns, "web", "web:1", 1);
        var patch = Map(("spec", Map(("template", Map(("spec", Map(("containers", List(Map(("name", "app"), ("env", List(Map(("name", "MODE"), ("value", "safe"))))))))))))));

        Assert.IsType<Succeeded>(await _bench.Run("kubernetes.patch", ("kind", "deployment"), ("name", "web"), ("type", "strategic"), ("patch", patch)));

        var container = _bench.Stored("deployments", "web")!["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("web:1", container["image"]!.GetValue<string>());
        Assert.Equal("safe", container["env"]![0]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_json_patch_whose_test_operation_fails_changes_nothing_and_says_why()
    {
        _bench.ConfigMap("app", ("a", "1"));
        var before = _bench.Version("configmaps", "app");

        var failed = Assert.IsType<Failed>(await _bench.Run("kubernetes.patch", ("kind", "cm"), ("name", "app"), ("type", "json"),
            ("patch", List(Map(("op", "test"), ("path", "/data/a"), ("value", "2")), Map(("op", "replace"), ("path", "/data/a"), ("value", "3"))))));

        Assert.Contains("refused the json patch of configmap 'app'", failed.Error, StringComparison.Ordinal);
        Assert.Contains("test failed", failed.Error, StringComparison.Ordinal);
        Assert.Equal("1", _bench.Data("app", "a"));
        Assert.Equal(before, _bench.Version("configmaps", "app"));
    }

    [Fact]
    public async Task A_patch_given_as_yaml_or_json_text_is_read_as_the_patch_and_its_values_stay_strings()
    {
        _bench.ConfigMap("app", ("a", "1"));

        Assert.IsType<Succeeded>(await _bench.Run("kubernetes.patch", ("kind", "cm"), ("name", "app"), ("patch", "data:\n  a: \"from yaml: ${{ x }}\"\n  b: '007'\n")));
        Assert.IsType<Succeeded>(await _bench.Run("kubernetes.patch", ("kind", "cm"), ("name", "app"), ("patch", "[{\"op\": \"add\", \"path\": \"/data/c\", \"value\": \"json\"}]")));

        Assert.Equal("from yaml: ${{ x }}", _bench.Data("app", "a"));
        Assert.Equal("007", _bench.Data("app", "b"));
        Assert.Equal("json", _bench.Data("app", "c"));
    }

    [Theory]
    [InlineData("secret")]
    [InlineData("secrets")]
    [InlineData("Secret")]
    [InlineData("SECRETS")]
    [InlineData(" secrets ")]
    [InlineData("v1/Secret")]
    [InlineData("core/v1/secrets")]
    [InlineData("secrets.v1.")]
    [InlineData("Secret.v1")]
    public async Task A_secret_is_refused_in_every_spelling_before_any_request(string kind)
    {
        var failed = Assert.IsType<Failed>(await _bench.Run("kubernetes.patch", ("kind", kind), ("name", "db"), ("patch", Map(("data", Map(("password", "x")))))));

        Assert.Contains("does not read secrets or change them", failed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_bench.Cluster.Server.Requests, r => r.Path.Contains(Ns, StringComparison.Ordinal) && r.Path.Contains("secret", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_bad_patch_type_or_a_shape_that_does_not_fit_the_type_is_refused_with_the_types_to_use()
    {
        _bench.ConfigMap("app", ("a", "1"));

        var badType = Assert.IsType<Failed>(await _bench.Run("kubernetes.patch", ("kind", "cm"), ("name", "app"), ("type", "apply"), ("patch", Map(("data", Map(("a", "x")))))));
        var listAsMerge = Assert.IsType<Failed>(await _bench.Run("kubernetes.patch", ("kind", "cm"), ("name", "app"), ("type", "merge"), ("patch", List(Map(("op", "remove"), ("path", "/data/a"))))));
        var mapAsJson = Assert.IsType<Failed>(await _bench.Run("kubernetes.patch", ("kind", "cm"), ("name", "app"), ("type", "json"), ("patch", Map(("data", Map(("a", "x")))))));

        Assert.Contains("write merge (RFC 7386, the default), strategic (strategic merge) or json (RFC 6902)", badType.Error, StringComparison.Ordinal);
        Assert.Contains("needs type: json", listAsMerge.Error, StringComparison.Ordinal);
        Assert.Contains("a json patch is a list of operations", mapAsJson.Error, StringComparison.Ordinal);
        Assert.Equal("1", _bench.Data("app", "a"));
    }

    [Fact]
    public async Task A_patch_that_changes_nothing_says_so_and_its_undo_is_empty()
    {
        _bench.ConfigMap("app", ("a", "1"));

        var same = Assert.IsType<Succeeded>(await _bench.Run("kubernetes.patch", ("kind", "cm"), ("name", "app"), ("patch", Map(("data", Map(("a", "1")))))));

        Assert.Equal(false, same.Outputs["changed"]);
        Assert.Empty(Assert.IsAssignableFrom<IEnumerable<object?>>(same.Outputs["undo"]));
    }

    [Fact]
    public async Task The_rollback_puts_back_exactly_the_fields_the_patch_changed_and_keeps_other_changes()
    {
        _bench.ConfigMap("app", ("a", "1"), ("b", "2"));
        var patched = Assert.IsType<Succeeded>(await _bench.Run("kubernetes.patch", ("kind", "cm"), ("name", "app"), ("patch", Map(("data", Map(("a", "x"), ("c", "new")))))));
        _bench.Cluster.Server.ChangeAs("kubectl-edit", Ns, "configmaps", "app", o => o["data"]!["b"] = "edited meanwhile");

        var restored = Assert.IsType<Succeeded>(await _bench.Run("kubernetes.restore", ("kind", "cm"), ("name", "app"), ("undo", patched.Outputs["undo"])));

        Assert.Equal(true, restored.Outputs["restored"]);
        Assert.Equal("1", _bench.Data("app", "a"));
        Assert.Null(_bench.Data("app", "c"));
        Assert.Equal("edited meanwhile", _bench.Data("app", "b"));
    }

    [Fact]
    public async Task The_rollback_does_not_overwrite_a_field_someone_else_changed_after_the_patch()
    {
        _bench.ConfigMap("app", ("a", "1"));
        var patched = Assert.IsType<Succeeded>(await _bench.Run("kubernetes.patch", ("kind", "cm"), ("name", "app"), ("patch", Map(("data", Map(("a", "x")))))));
        _bench.Cluster.Server.ChangeAs("kubectl-edit", Ns, "configmaps", "app", o => o["data"]!["a"] = "theirs");

        var refused = Assert.IsType<Failed>(await _bench.Run("kubernetes.restore", ("kind", "cm"), ("name", "app"), ("undo", patched.Outputs["undo"])));

        Assert.Contains("was changed by someone else after the step", refused.Error, StringComparison.Ordinal);
        Assert.Contains("nothing was overwritten", refused.Error, StringComparison.Ordinal);
        Assert.Equal("theirs", _bench.Data("app", "a"));
    }

    [Fact]
    public async Task A_dry_run_shows_the_servers_answer_as_a_diff_and_changes_nothing()
    {
        _bench.ConfigMap("app", ("a", "1"));
        var before = _bench.Version("configmaps", "app");

        var preview = await _bench.Preview("kubernetes.patch", ("kind", "cm"), ("name", "app"), ("patch", Map(("data", Map(("a", "x"), ("b", "y"))))));

        Assert.Equal("/data/a: \"1\"; /data/b: (absent)", preview.Current);
        Assert.Equal("/data/a: \"x\"; /data/b: \"y\"", preview.Desired);
        Assert.Equal("1", _bench.Data("app", "a"));
        Assert.Equal(before, _bench.Version("configmaps", "app"));
        Assert.Contains(_bench.Cluster.Server.Requests, r => r.Method == "PATCH" && r.Path.EndsWith($"{Ns}/configmaps/app", StringComparison.Ordinal)
            && r.Query.Contains("dryRun=All", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_object_a_refused_token_and_an_unreachable_server_each_fail_saying_what_to_check()
    {
        var files = _bench.Cluster.Files;
        var refusedConfig = files.Write(_bench.Cluster.Server, "refused.config", "test", Ns, "mallory", "    token: not-a-valid-token");
        var unreachableConfig = files.Write(_bench.Cluster.Server, "down.config", "test", Ns, "alice", "    token: whatever",
            cluster: "    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true");
        var patch = ("patch", (object?)Map(("data", Map(("a", "x")))));

        var missing = Assert.IsType<Failed>(await _bench.Run("kubernetes.patch", ("kind", "cm"), ("name", "nope"), patch));
        var refused = Assert.IsType<Failed>(await _bench.Run(_bench.Cluster.Actions(refusedConfig), "kubernetes.patch", ("kind", "cm"), ("name", "app"), patch));
        var unreachable = Assert.IsType<Failed>(await _bench.Run(_bench.Cluster.Actions(unreachableConfig), "kubernetes.patch", ("kind", "cm"), ("name", "app"), patch));

        Assert.Contains($"configmap 'nope' not found in namespace '{Ns}'", missing.Error, StringComparison.Ordinal);
        Assert.Contains("refused the credentials", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-valid-token", refused.Error, StringComparison.Ordinal);
        Assert.Contains("cannot reach the Kubernetes API server", unreachable.Error, StringComparison.Ordinal);
        Assert.True(unreachable.Retryable);
    }
}
