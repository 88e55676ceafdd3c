using System.Text.Json;
using Runbook.Cli.Composition;
using Runbook.Cli.Configuration;
using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// samples/ as samples/README.md promises it: every playbook validates without warnings, including on the providers
/// it claims; every runbook.yaml loads and names only real providers and their real settings; the example
/// configuration covers every provider; the webhook payloads have their senders' shapes.
/// </summary>
public sealed class SamplesTests : IDisposable
{
    private static readonly string[] QuickstartPlaybooks =
        ["samples/playbooks/quickstart-high-error-rate.yaml", "samples/playbooks/quickstart-release.yaml"];

    private readonly string _temp = Directory.CreateTempSubdirectory("runbook-samples-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Every_sample_playbook_validates_with_warnings_as_errors(CliTarget cli)
    {
        var result = cli.Run("validate", "samples/", "--warnings-as-errors");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Matches(@"^\d+ files checked: 0 errors, 0 warnings\n$", result.Out);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void The_quickstart_playbooks_validate_on_compose_the_provider_they_claim(CliTarget cli)
    {
        var result = cli.Run(["validate", .. QuickstartPlaybooks, "--provider", "compose", "--warnings-as-errors"]);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Equal("2 files checked: 0 errors, 0 warnings\n", result.Out);
    }

    [Fact]
    public void Every_runbook_yaml_under_samples_names_real_providers_and_only_their_settings()
    {
        var files = Directory.GetFiles(Repo.PathOf("samples"), RunbookConfig.FileName, SearchOption.AllDirectories);

        Assert.True(files.Length >= 2, "samples/runbook.yaml and samples/quickstart/runbook.yaml should both be found");
        Assert.All(files, file => Assert.Empty(ConfigProblems(file)));
    }

    [Fact]
    public void A_misspelt_setting_or_an_unknown_provider_in_a_runbook_yaml_is_caught_by_the_same_check()
    {
        var file = Path.Combine(_temp, RunbookConfig.FileName);
        File.WriteAllText(file, """
            environments:
              prod:
                provider: aws
                clustr: prod
              elsewhere:
                provider: nomad
            """);

        var problems = ConfigProblems(file);

        Assert.Contains(problems, p => p.Contains("prod", StringComparison.Ordinal) && p.Contains("'clustr'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("elsewhere", StringComparison.Ordinal) && p.Contains("'nomad'", StringComparison.Ordinal));
    }

    [Fact]
    public void The_example_configuration_has_an_environment_for_every_provider_runbook_has()
    {
        var config = RunbookConfig.Load(Repo.PathOf("samples", "runbook.yaml"), Repo.Root);

        var providers = config.Environments.Values.Select(e => e.Provider).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(ProviderRegistry.Platforms.Select(p => p.Descriptor.Name).Order(StringComparer.Ordinal),
            providers.Order(StringComparer.Ordinal));
        Assert.Equal(5, providers.Count);
    }

    [Fact]
    public void The_example_configuration_says_where_each_provider_finds_its_credentials()
    {
        var text = File.ReadAllText(Repo.PathOf("samples", "runbook.yaml"));

        // What each provider's own CLI reads first, as docs/providers.md lists it.
        foreach (var clue in new[] { "DOCKER_HOST", "KUBECONFIG", "AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AZURE_CLIENT_SECRET", "az login",
                     "GOOGLE_APPLICATION_CREDENTIALS", "gcloud auth application-default login" })
        {
            Assert.Contains(clue, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_quickstart_configuration_names_the_demo_systems_compose_file_and_services()
    {
        var config = RunbookConfig.Load(Repo.PathOf("samples", "quickstart", "runbook.yaml"), Repo.Root);
        var demo = config.Environments["demo"];

        Assert.Equal("compose", demo.Provider);
        // Relative settings resolve against the folder runbook runs in: the repository, for the quickstart.
        var compose = Path.GetFullPath(demo.Settings["file"], Repo.Root);
        Assert.True(File.Exists(compose), $"{compose} does not exist");
        var text = File.ReadAllText(compose);
        Assert.All(demo.Services.Values, service => Assert.Contains($"\n  {service}:\n", text, StringComparison.Ordinal));
    }

    [Fact]
    public void The_alertmanager_payload_has_the_webhook_receivers_version_4_shape()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Repo.PathOf("samples", "webhooks", "alertmanager-high-error-rate.json")));
        var root = doc.RootElement;

        Assert.Equal("4", root.GetProperty("version").GetString());
        Assert.Contains(root.GetProperty("status").GetString(), new[] { "firing", "resolved" });
        foreach (var field in new[] { "groupKey", "receiver", "externalURL" })
        {
            Assert.Equal(JsonValueKind.String, root.GetProperty(field).ValueKind);
        }

        foreach (var field in new[] { "groupLabels", "commonLabels", "commonAnnotations" })
        {
            Assert.Equal(JsonValueKind.Object, root.GetProperty(field).ValueKind);
        }

        var alerts = root.GetProperty("alerts").EnumerateArray().ToList();
        Assert.NotEmpty(alerts);
        Assert.All(alerts, alert =>
        {
            Assert.Contains(alert.GetProperty("status").GetString(), new[] { "firing", "resolved" });
            Assert.Equal(JsonValueKind.Object, alert.GetProperty("labels").ValueKind);
            Assert.Equal(JsonValueKind.Object, alert.GetProperty("annotations").ValueKind);
            Assert.True(DateTimeOffset.TryParse(alert.GetProperty("startsAt").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
            Assert.True(DateTimeOffset.TryParse(alert.GetProperty("endsAt").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
            Assert.StartsWith("http", alert.GetProperty("generatorURL").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(alert.GetProperty("fingerprint").GetString()));
        });

        // The alert names a service the quickstart's configuration maps, as samples/README.md's example uses it.
        var service = root.GetProperty("commonLabels").GetProperty("service").GetString()!;
        Assert.Contains(service, RunbookConfig.Load(Repo.PathOf("samples", "quickstart", "runbook.yaml"), Repo.Root).Environments["demo"].Services.Keys);
    }

    [Fact]
    public void The_pagerduty_payload_has_the_v3_webhooks_incident_triggered_shape()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Repo.PathOf("samples", "webhooks", "pagerduty-incident-triggered.json")));
        var evt = doc.RootElement.GetProperty("event");

        Assert.Equal("incident.triggered", evt.GetProperty("event_type").GetString());
        Assert.Equal("incident", evt.GetProperty("resource_type").GetString());
        Assert.True(DateTimeOffset.TryParse(evt.GetProperty("occurred_at").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        var incident = evt.GetProperty("data");
        Assert.Equal("incident", incident.GetProperty("type").GetString());
        Assert.Equal("triggered", incident.GetProperty("status").GetString());
        Assert.Equal("service_reference", incident.GetProperty("service").GetProperty("type").GetString());
        Assert.Contains(incident.GetProperty("urgency").GetString(), new[] { "high", "low" });
        Assert.StartsWith("https://api.pagerduty.com/incidents/", incident.GetProperty("self").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Each environment whose provider runbook does not have, or that sets what its provider has no setting for.</summary>
    private static List<string> ConfigProblems(string file)
    {
        var config = RunbookConfig.Load(file, Repo.Root);
        var problems = new List<string>();
        foreach (var env in config.Environments.Values)
        {
            if (ProviderRegistry.Platform(env.Provider) is not { } platform)
            {
                problems.Add($"{file}: environment {env.Name}: provider '{env.Provider}' is not one of runbook's");
                continue;
            }

            var known = platform.Settings.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
            problems.AddRange(env.Settings.Keys.Where(k => !known.Contains(k))
                .Select(k => $"{file}: environment {env.Name}: '{k}' is not a {env.Provider} setting (it has {string.Join(", ", known.Order(StringComparer.Ordinal))})"));
        }

        return problems;
    }
}
