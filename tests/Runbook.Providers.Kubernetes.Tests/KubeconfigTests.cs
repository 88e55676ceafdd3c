using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Kubernetes.Tests;

/// <summary>Every way kubectl users point at a cluster, each shown to reach the test API server as the right user.</summary>
public sealed class KubeconfigTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private readonly Cluster _cluster = Cluster.Fresh(fixture.Server);
    private readonly ActionsContext _context = new();

    public Task InitializeAsync() => _cluster.Server.CreateDeploymentAsync(_cluster.Namespace, "web", "web:1", 1);

    public Task DisposeAsync() => Task.CompletedTask;

    public enum Shape
    {
        InlineCertificate,
        CertificateFilesAndCaFile,
        Token,
        TokenFile,
        InsecureSkipTlsVerify,
        ExecPluginV1,
    }

    [Theory]
    [InlineData(Shape.InlineCertificate, "carol")]
    [InlineData(Shape.CertificateFilesAndCaFile, "carol")]
    [InlineData(Shape.Token, "token-user")]
    [InlineData(Shape.TokenFile, "token-user")]
    [InlineData(Shape.InsecureSkipTlsVerify, "token-user")]
    [InlineData(Shape.ExecPluginV1, "exec-user")]
    public async Task Each_kubeconfig_shape_reaches_the_cluster_as_its_user(Shape shape, string user)
    {
        var token = Guid.NewGuid().ToString("N");
        _cluster.Server.AddToken(token, user);
        var files = _cluster.Files;
        var server = _cluster.Server;
        var config = shape switch
        {
            Shape.InlineCertificate => files.ClientCertificate(server, user, _cluster.Namespace, inline: true, fileName: "inline.config"),
            Shape.CertificateFilesAndCaFile => files.ClientCertificate(server, user, _cluster.Namespace, inline: false, fileName: "files.config"),
            Shape.Token => files.Write(server, "token.config", "t", _cluster.Namespace, user, $"    token: {token}"),
            Shape.TokenFile => files.Write(server, "token-file.config", "t", _cluster.Namespace, user, $"    tokenFile: {files.WriteFile("token", token)}"),
            Shape.InsecureSkipTlsVerify => files.Write(server, "insecure.config", "t", _cluster.Namespace, user, $"    token: {token}",
                cluster: $"    server: {server.Url.AbsoluteUri.TrimEnd('/')}\n    insecure-skip-tls-verify: true"),
            Shape.ExecPluginV1 => files.Write(server, "exec.config", "t", _cluster.Namespace, user, ExecPlugin(token)),
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };

        var outcome = await Describe(_cluster.Actions(config));

        Assert.True(outcome is Succeeded, (outcome as Failed)?.Error);
        var described = (Succeeded)outcome;

        Assert.Equal("web:1", described.Outputs["image"]);
        Assert.Contains(server.Requests, r => r.User == user && r.Path == $"/apis/apps/v1/namespaces/{_cluster.Namespace}/deployments/web");
    }

    [Fact]
    public async Task A_named_context_is_used_instead_of_the_current_one_and_the_namespace_setting_wins_over_the_context()
    {
        var good = _cluster.Kubeconfig();
        var text = File.ReadAllText(good).Replace("current-context: test", "current-context: broken", StringComparison.Ordinal)
            + "\n- name: broken\n  context:\n    cluster: test-cluster\n    user: alice\n    namespace: elsewhere\n";
        var config = _cluster.Files.WriteFile("contexts.config", text);

        var viaCurrent = Assert.IsType<Failed>(await Describe(_cluster.Actions(config)));
        var viaNamed = await Describe(_cluster.Actions(config, ("context", "test")));
        var viaNamespace = await Describe(_cluster.Actions(config, ("namespace", _cluster.Namespace)));

        Assert.Contains("namespace 'elsewhere'", viaCurrent.Error, StringComparison.Ordinal);
        Assert.IsType<Succeeded>(viaNamed);
        Assert.IsType<Succeeded>(viaNamespace);
    }

    [Fact]
    public async Task Several_kubeconfig_files_merge_like_KUBECONFIG_and_the_first_file_wins()
    {
        var full = File.ReadAllText(_cluster.Kubeconfig());
        // The first file names only the context (with a namespace that must win); the second has cluster, user and a conflicting context.
        var first = _cluster.Files.WriteFile("first.config",
            $"apiVersion: v1\nkind: Config\ncurrent-context: test\ncontexts:\n- name: test\n  context:\n    cluster: test-cluster\n    user: alice\n    namespace: {_cluster.Namespace}\n");
        var second = _cluster.Files.WriteFile("second.config", full.Replace($"namespace: {_cluster.Namespace}", "namespace: wrong", StringComparison.Ordinal)
            .Replace("current-context: test", "current-context: other", StringComparison.Ordinal));

        var described = await Describe(_cluster.Actions($"{first}{Path.PathSeparator}{Path.Combine(_cluster.Files.Directory, "missing.config")}{Path.PathSeparator}{second}"));

        Assert.IsType<Succeeded>(described);
    }

    [Fact]
    public async Task Configuration_mistakes_are_errors_that_say_what_to_fix()
    {
        var missing = Assert.IsType<Failed>(await Describe(_cluster.Actions(Path.Combine(_cluster.Files.Directory, "nope.config"))));
        var none = Assert.IsType<Failed>(await Describe(_cluster.Actions($"{Path.Combine(_cluster.Files.Directory, "a")}{Path.PathSeparator}{Path.Combine(_cluster.Files.Directory, "b")}")));
        var badContext = Assert.IsType<Failed>(await Describe(_cluster.Actions(_cluster.Kubeconfig(), ("context", "prod"))));
        var (certificate, key) = new ApiServer.TestPki().IssueClient("mallory");
        var foreign = _cluster.Files.Write(_cluster.Server, "foreign.config", "t", _cluster.Namespace, "mallory",
            $"    client-certificate-data: {KubeconfigFile.Base64(certificate)}\n    client-key-data: {KubeconfigFile.Base64(key)}");
        var refused = Assert.IsType<Failed>(await Describe(_cluster.Actions(foreign)));

        Assert.Contains("nope.config does not exist", missing.Error, StringComparison.Ordinal);
        Assert.Contains("no Kubernetes configuration found: set 'kubeconfig: <file>'", none.Error, StringComparison.Ordinal);
        Assert.Contains("context 'prod' is not in", badContext.Error, StringComparison.Ordinal);
        Assert.Contains("contexts there: test", badContext.Error, StringComparison.Ordinal);
        Assert.Contains("refused the credentials", refused.Error, StringComparison.Ordinal);
    }

    /// <summary>An exec credential plugin as EKS, GKE and AKS ship them: a command that prints an ExecCredential.</summary>
    private string ExecPlugin(string token)
    {
        var credential = """{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"TOKEN"}}""".Replace("TOKEN", token, StringComparison.Ordinal);
        var plugin = _cluster.Files.WriteFile("credential-plugin", $"#!/bin/sh\ncat <<'EOF'\n{credential}\nEOF\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return $"    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {plugin}\n      interactiveMode: Never";
    }

    private Task<StepOutcome> Describe(IReadOnlyDictionary<string, IStepAction> actions) =>
        actions["service.describe"].ExecuteAsync(_context.Invocation("service.describe", new Dictionary<string, object?> { ["service"] = "web" }), CancellationToken.None).AsTask();
}
