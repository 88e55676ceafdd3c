namespace Runbook.Providers.Tests;

/// <summary>Playbooks every provider's end-to-end tests run through `runbook exec`.</summary>
internal static class ProviderPlaybooks
{
    /// <summary>Scale the service 'backend' to 3, wait, then fail on purpose: the scale must be rolled back to previous_replicas.</summary>
    public const string ScaleThenFail = """
        apiVersion: runbook/v1
        kind: Playbook
        name: scale-and-verify
        phases:
          mitigate:
            - id: scale
              uses: service.scale
              with: { service: backend, replicas: 3 }
              rollback:
                uses: service.scale
                with: { service: backend, replicas: "${{ steps.scale.outputs.previous_replicas }}" }
            - id: wait
              uses: service.wait
              with: { service: backend, timeout: 60s }
          resolve:
            - id: verify
              run: echo "still broken" >&2; exit 1
              mutates: false
        """;
}
