using System.Text;

namespace Runbook.Bench;

/// <summary>Realistic, varied generated playbooks.</summary>
internal static class Playbooks
{
    private const string Head = """
        apiVersion: runbook/v1
        kind: Playbook
        name: generated-SEED
        description: Generated playbook SEED
        severity: PSEV
        inputs:
          service: { type: string, default: svcSEED }
          replicas: { type: number, default: REPLICAS, min: 1, max: 50 }
          token: { type: secret, from: env:TOKEN_SEED }
        phases:
          assess:
            - id: status
              uses: service.describe
              with: { service: "${{ inputs.service }}" }
            - id: health
              uses: http.check
              with: { url: "https://svcSEED.example.com/health", expect_status: 200 }
          gather:
            parallel: true
            steps:

        """;

    private const string Gather = """
              - id: logs_N
                uses: service.logs
                with: { service: "${{ inputs.service }}", tail: TAIL }

        """;

    private const string Tail = """
          communicate:
            - id: announce
              uses: notify.slack
              with: { webhook: "${{ inputs.token }}", text: "INCIDENT ${{ inputs.service }} at ${{ steps.status.outputs.revision }}" }
          mitigate:
            - id: scale
              uses: service.scale
              with: { service: "${{ inputs.service }}", replicas: "${{ inputs.replicas }}" }
              rollback:
                uses: service.scale
                with: { service: "${{ inputs.service }}", replicas: "${{ steps.scale.outputs.previous_replicas }}" }
            - id: wait
              uses: service.wait
              with: { service: "${{ inputs.service }}", timeout: 5m }
          resolve:
            - id: verify
              run: curl -fsS "https://svcSEED.example.com/health" | grep -q ok
              mutates: false
              retry: { attempts: 5, interval: 10s, backoff: exponential }

        """;

    public static string Generate(int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(Head.Replace("SEED", seed.ToString(), StringComparison.Ordinal)
            .Replace("PSEV", "P" + random.Next(0, 4), StringComparison.Ordinal)
            .Replace("REPLICAS", random.Next(1, 9).ToString(), StringComparison.Ordinal));
        var gathers = random.Next(2, 6);
        for (var i = 0; i < gathers; i++)
        {
            text.Append(Gather.Replace("_N", "_" + i, StringComparison.Ordinal).Replace("TAIL", (100 * (i + 1)).ToString(), StringComparison.Ordinal));
        }

        text.Append(Tail.Replace("SEED", seed.ToString(), StringComparison.Ordinal));
        return text.ToString();
    }
}
