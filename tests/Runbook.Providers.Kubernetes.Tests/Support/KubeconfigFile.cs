using System.Text;
using Runbook.Providers.Kubernetes.Tests.ApiServer;

namespace Runbook.Providers.Kubernetes.Tests.Support;

/// <summary>Kubeconfig files for tests, in the shapes kubectl users have: certificates as files or inline, tokens, token files, exec plugins.</summary>
internal sealed class KubeconfigFile(string directory)
{
    public string Directory { get; } = directory;

    public static KubeconfigFile InTemp()
    {
        var directory = Path.Combine(Path.GetTempPath(), "runbook-kube-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        return new KubeconfigFile(directory);
    }

    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>One cluster, one user with a client certificate; certificate and key inline (…-data) or as files.</summary>
    public string ClientCertificate(KubeApiServer server, string user, string ns = "default", bool inline = true, string fileName = "config", string context = "test")
    {
        var (certificate, key) = server.IssueClientCertificate(user, "system:authenticated");
        var credentials = inline
            ? $"    client-certificate-data: {Base64(certificate)}\n    client-key-data: {Base64(key)}"
            : $"    client-certificate: {WriteFile(user + ".crt", certificate)}\n    client-key: {WriteFile(user + ".key", key)}";
        return Write(server, fileName, context, ns, user, credentials, inlineCa: inline);
    }

    public string Write(KubeApiServer server, string fileName, string context, string ns, string user, string credentials, bool inlineCa = true, string? cluster = null)
    {
        var ca = inlineCa ? $"    certificate-authority-data: {Base64(server.CaCertificatePem)}" : $"    certificate-authority: {WriteFile("ca.crt", server.CaCertificatePem)}";
        cluster ??= $"{ca}\n    server: {server.Url.AbsoluteUri.TrimEnd('/')}";
        return WriteFile(fileName, $"""
            apiVersion: v1
            kind: Config
            current-context: {context}
            clusters:
            - name: {context}-cluster
              cluster:
            {cluster}
            users:
            - name: {user}
              user:
            {credentials}
            contexts:
            - name: {context}
              context:
                cluster: {context}-cluster
                user: {user}
                namespace: {ns}
            """);
    }
}
