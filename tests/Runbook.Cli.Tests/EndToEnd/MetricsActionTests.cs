using System.Text.Json;
using System.Text.RegularExpressions;
using Runbook.Cli.Tests.Support;
using Runbook.Tests;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// The metrics actions as an operator runs them, on both builds, against Debian's Prometheus (behind basic auth,
/// the password a secret input from the environment) and Alertmanager started on loopback by <see cref="MetricsStack"/>.
/// </summary>
public sealed class MetricsActionTests(MetricsStack stack) : IClassFixture<MetricsStack>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-metrics-e2e-").FullName;

    private string Journal => Path.Combine(_folder, "journal.db");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string phases)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, $$"""
            apiVersion: runbook/v1
            kind: Playbook
            name: {{Path.GetFileNameWithoutExtension(name)}}
            inputs:
              prometheus: { type: string }
              alertmanager: { type: string }
              service: { type: string, default: checkout }
              prom_password: { type: secret, from: "env:PROM_PASSWORD" }
            phases:
            {{phases}}
            """);
        return path;
    }

    private CliResult Exec(CliTarget cli, string playbook, params string[] more)
    {
        Assert.True(stack.Ready());
        return cli.With("PROM_PASSWORD", MetricsStack.Password).Run(
            ["exec", playbook, "--journal", Journal, "--input", $"prometheus={stack.PrometheusUrl}", "--input", $"alertmanager={stack.AlertmanagerUrl}", .. more]);
    }

    private const string Auth = """username: runbook-test, password: "${{ inputs.prom_password }}" """;

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public async Task A_burn_rate_query_with_a_label_from_an_input_meets_its_threshold_and_prints_the_number(CliTarget cli)
    {
        Assert.True(stack.Ready());
        await stack.WaitForDataAsync("count_over_time(http_requests_total{service=\"checkout\",code=\"500\"}[10s]) >= 10");
        var playbook = Write("burn.yaml", $$$"""
              assess:
                - id: burn
                  uses: prometheus.query
                  with:
                    url: "${{ inputs.prometheus }}"
                    username: runbook-test
                    password: "${{ inputs.prom_password }}"
                    query: sum(rate(http_requests_total{service=$service,code=~"5.."}[10s])) / sum(rate(http_requests_total{service=$service}[10s])) / (1 - 0.999)
                    labels: { service: "${{ inputs.service }}" }
                    expect: ">= 99"
                - id: say
                  uses: notify.console
                  with: { text: "burn=${{ steps.burn.outputs.value }} type=${{ steps.burn.outputs.result_type }}" }
            """);

        var result = Exec(cli, playbook);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Matches(new Regex(@"burn=(100|100\.0000\d*|99\.9999\d*) type=vector"), result.Out);
        Assert.DoesNotContain(MetricsStack.Password, result.Out + result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public async Task A_range_query_over_its_threshold_fails_the_run_with_the_measured_value(CliTarget cli)
    {
        Assert.True(stack.Ready());
        await stack.WaitForDataAsync("count_over_time(http_requests_total{service=\"checkout\",code=\"500\"}[10s]) >= 10");
        var playbook = Write("verify.yaml", $$$"""
              resolve:
                - id: verify
                  uses: prometheus.query_range
                  with:
                    url: "${{ inputs.prometheus }}"
                    username: runbook-test
                    password: "${{ inputs.prom_password }}"
                    query: sum(rate(http_requests_total{service=$service,code="500"}[5s])) / sum(rate(http_requests_total{service=$service}[5s]))
                    labels: { service: "${{ inputs.service }}" }
                    range: 3s
                    step: 1s
                    expect: "< 0.01"
            """);

        var result = Exec(cli, playbook);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(new Regex(@"prometheus\.query_range: expected < 0\.01, measured (0\.1|0\.1000000\d*|0\.0999999\d*)"), result.Out);
        Assert.DoesNotContain(MetricsStack.Password, result.Out + result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public async Task Prometheus_alerts_lists_the_firing_alert_for_the_service(CliTarget cli)
    {
        Assert.True(stack.Ready());
        await stack.WaitForAlertmanagerAlertAsync("HighErrorRate");
        var playbook = Write("alerts.yaml", $$$"""
              assess:
                - id: firing
                  uses: prometheus.alerts
                  with: { url: "${{ inputs.prometheus }}", {{{Auth}}}, labels: { service: "${{ inputs.service }}" } }
                - id: say
                  uses: notify.console
                  with: { text: "firing=${{ steps.firing.outputs.count }} name=${{ steps.firing.outputs.alerts[0].name }}" }
            """);

        var result = Exec(cli, playbook);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("firing=1 name=HighErrorRate", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public async Task Alertmanager_alerts_with_a_count_threshold_fails_naming_the_alert(CliTarget cli)
    {
        Assert.True(stack.Ready());
        await stack.WaitForAlertmanagerAlertAsync("HighErrorRate");
        var playbook = Write("am-alerts.yaml", """
              assess:
                - id: quiet_enough
                  uses: alertmanager.alerts
                  with: { url: "${{ inputs.alertmanager }}", matchers: [ "service=~\"check.*\"", "alertname=HighErrorRate" ], expect: "== 0" }
            """);

        var result = Exec(cli, playbook);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("alertmanager.alerts: expected the number of alerts == 0, found 1 (HighErrorRate)", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public async Task A_silence_is_expired_by_its_automatic_rollback_when_a_later_step_fails(CliTarget cli)
    {
        Assert.True(stack.Ready());
        var name = $"E2e{cli.Name}{Guid.NewGuid():N}"[..20];
        var playbook = Write("silence.yaml", $$$"""
              mitigate:
                - id: quiet
                  uses: alertmanager.silence
                  with: { url: "${{ inputs.alertmanager }}", matchers: { alertname: {{{name}}} }, duration: 1h }
                - id: say
                  uses: notify.console
                  with: { text: "silence=${{ steps.quiet.outputs.id }}" }
                - id: failover
                  run: exit 3
            """);

        var result = Exec(cli, playbook);

        Assert.Equal(1, result.ExitCode);
        var id = Regex.Match(result.Out, "silence=([0-9a-f-]{36})").Groups[1].Value;
        Assert.True(id.Length > 0, result.Out);
        Assert.Equal("expired", await stack.SilenceStateAsync(id));
        using var silence = JsonDocument.Parse(await stack.Http.GetStringAsync($"{stack.AlertmanagerUrl}/api/v2/silence/{id}"));
        Assert.Equal("alice", silence.RootElement.GetProperty("createdBy").GetString());
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_dry_run_says_which_silence_it_would_create(CliTarget cli)
    {
        var playbook = Write("silence-dry.yaml", """
              mitigate:
                - id: quiet
                  uses: alertmanager.silence
                  with: { url: "${{ inputs.alertmanager }}", matchers: [ "service=${{ inputs.service }}", "severity!=ticket" ], duration: 90m, comment: db failover }
            """);

        var result = Exec(cli, playbook, "--dry-run");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains($"would silence alerts matching {{service=\"checkout\", severity!=\"ticket\"}} on {stack.AlertmanagerUrl} for 90m", result.Out, StringComparison.Ordinal);
        Assert.Contains("created by alice: db failover", result.Out, StringComparison.Ordinal);
    }
}
