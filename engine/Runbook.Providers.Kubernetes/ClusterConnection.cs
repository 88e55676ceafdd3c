using k8s;
using k8s.Authentication;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using Runbook.Execution.Providers;
using YamlDotNet.RepresentationModel;

namespace Runbook.Providers.Kubernetes;

/// <summary>
/// A client for one cluster, found the way kubectl finds it: the <c>kubeconfig</c> setting or KUBECONFIG
/// (several files merged, the first to name a cluster, user or context wins), else ~/.kube/config, else
/// the in-cluster service account. The namespace is the setting's, else the context's, else "default".
/// </summary>
internal sealed class ClusterConnection : IDisposable
{
    private ClusterConnection(k8s.Kubernetes client, string ns, string source)
    {
        Client = client;
        Namespace = ns;
        Source = source;
    }

    public k8s.Kubernetes Client { get; }

    public string Namespace { get; }

    /// <summary>Where the connection came from, for error messages: "context prod (server https://…)" or "in-cluster".</summary>
    public string Source { get; }

    public static ClusterConnection Open(ProviderSettings settings)
    {
        var configuration = Configure(settings);
        var ns = settings.Get("namespace") ?? configuration.Namespace ?? "default";
        var source = configuration.CurrentContext is { Length: > 0 } context ? $"context '{context}' (server {configuration.Host})" : $"in-cluster (server {configuration.Host})";
        try
        {
            return new ClusterConnection(new k8s.Kubernetes(configuration), ns, source);
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or System.Security.Cryptography.CryptographicException or FormatException)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"cannot use the credentials of {source}: {ex.Message}", ex);
        }
    }

    private static KubernetesClientConfiguration Configure(ProviderSettings settings)
    {
        if (settings.Get("in_cluster") == "true")
        {
            return InCluster();
        }

        var files = KubeconfigFiles(settings);
        if (files.Count == 0)
        {
            return KubernetesClientConfiguration.IsInCluster()
                ? InCluster()
                : throw new ProviderException(ProviderErrorKind.Failed,
                    "no Kubernetes configuration found: set 'kubeconfig: <file>' in the environment in runbook.yaml (or --set kubeconfig=…), export KUBECONFIG, create ~/.kube/config, or run inside a cluster");
        }

        try
        {
            var merged = Merge(files.Select(f => KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(f), useRelativePaths: true)));
            var context = settings.Get("context") ?? merged.CurrentContext;
            if (string.IsNullOrEmpty(context))
            {
                throw new ProviderException(ProviderErrorKind.Failed,
                    $"{string.Join(", ", files)} sets no current-context: set 'context: <name>' in runbook.yaml (contexts: {string.Join(", ", merged.Contexts.Select(c => c.Name))})");
            }

            if (merged.Contexts.All(c => c.Name != context))
            {
                throw new ProviderException(ProviderErrorKind.Failed,
                    $"context '{context}' is not in {string.Join(", ", files)}; contexts there: {string.Join(", ", merged.Contexts.Select(c => c.Name))}");
            }

            var userName = merged.Contexts.First(c => c.Name == context).ContextDetails?.User;
            var user = merged.Users.FirstOrDefault(u => u.Name == userName)?.UserCredentials;
            var tokenFile = user is not null && string.IsNullOrEmpty(user.Token) && string.IsNullOrEmpty(user.ClientCertificateData)
                && string.IsNullOrEmpty(user.ClientCertificate) && user.ExternalExecution is null ? TokenFile(files, userName!) : null;
            if (tokenFile is not null)
            {
                user!.Token = "(from the token file)"; // the library insists on a credential; the token provider below replaces it
            }

            var configuration = KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, context);
            if (tokenFile is not null)
            {
                configuration.AccessToken = null;
                configuration.TokenProvider = new TokenFileAuth(tokenFile);
            }

            return configuration;
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or YamlDotNet.Core.YamlException or FormatException or UnauthorizedAccessException)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"cannot read kubeconfig {string.Join(", ", files)}: {ex.Message}", ex);
        }
    }

    private static KubernetesClientConfiguration InCluster()
    {
        try
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or UnauthorizedAccessException)
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"cannot use the in-cluster service account: {ex.Message} (KUBERNETES_SERVICE_HOST and /var/run/secrets/kubernetes.io/serviceaccount must be there)", ex);
        }
    }

    /// <summary>The setting, else KUBECONFIG, else ~/.kube/config; like kubectl, files named in a list that do not exist are skipped.</summary>
    private static List<string> KubeconfigFiles(ProviderSettings settings)
    {
        if (settings.Get("kubeconfig") is { Length: > 0 } configured)
        {
            var named = configured.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(p => Path.GetFullPath(ExpandHome(p), settings.WorkingDirectory)).ToList();
            if (named.Count == 1 && !File.Exists(named[0]))
            {
                throw new ProviderException(ProviderErrorKind.Failed, $"kubeconfig {named[0]} does not exist (the 'kubeconfig' setting)");
            }

            return [.. named.Where(File.Exists)];
        }

        if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } variable)
        {
            return [.. variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(ExpandHome).Where(File.Exists)];
        }

        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        return File.Exists(home) ? [home] : [];
    }

    /// <summary>
    /// The user's <c>tokenFile</c> (kubectl reads it and re-reads it as it rotates; the client library's kubeconfig
    /// model has no such field), from the first file that defines the user, relative to that file.
    /// </summary>
    private static string? TokenFile(IEnumerable<string> files, string user)
    {
        foreach (var file in files)
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(file))
            {
                stream.Load(reader);
            }

            var users = stream.Documents.FirstOrDefault()?.RootNode is YamlMappingNode root
                && root.Children.TryGetValue(new YamlScalarNode("users"), out var node) && node is YamlSequenceNode sequence ? sequence : null;
            var entry = users?.OfType<YamlMappingNode>().FirstOrDefault(u =>
                u.Children.TryGetValue(new YamlScalarNode("name"), out var name) && (name as YamlScalarNode)?.Value == user);
            if (entry is null)
            {
                continue;
            }

            return entry.Children.TryGetValue(new YamlScalarNode("user"), out var details) && details is YamlMappingNode fields
                && fields.Children.TryGetValue(new YamlScalarNode("tokenFile"), out var path) && path is YamlScalarNode { Value: { Length: > 0 } value }
                ? Path.GetFullPath(ExpandHome(value), Path.GetDirectoryName(file)!)
                : null;
        }

        return null;
    }

    private static string ExpandHome(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]) : path;

    private static K8SConfiguration Merge(IEnumerable<K8SConfiguration> configurations)
    {
        var merged = new K8SConfiguration { Clusters = [], Users = [], Contexts = [] };
        foreach (var configuration in configurations)
        {
            merged.CurrentContext = string.IsNullOrEmpty(merged.CurrentContext) ? configuration.CurrentContext : merged.CurrentContext;
            merged.Clusters.AddRange((configuration.Clusters ?? []).Where(c => merged.Clusters.All(m => m.Name != c.Name)));
            merged.Users.AddRange((configuration.Users ?? []).Where(u => merged.Users.All(m => m.Name != u.Name)));
            merged.Contexts.AddRange((configuration.Contexts ?? []).Where(c => merged.Contexts.All(m => m.Name != c.Name)));
        }

        return merged;
    }

    public void Dispose() => Client.Dispose();
}
