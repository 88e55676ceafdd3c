namespace Runbook.Providers.Kubernetes;
internal static class Placeholder;
