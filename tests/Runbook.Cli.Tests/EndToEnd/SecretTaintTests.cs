using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// Issue 16's secret bullet as the operator would run it: a secret upper-cased through <c>inputs["token"]</c>, a
/// script that transforms it into its outputs, a notification that quotes both. Every byte the process
/// writes (terminal, JSON events, journal, show, history, plans) and every byte the webhook receives is scanned.
/// </summary>
public sealed class SecretTaintTests : IDisposable
{
    private const string Secret = "tok-9d2e71c4aa";
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-taint-e2e-").FullName;

    private string Journal => Path.Combine(_folder, "journal.db");

    private static string Upper => Secret.ToUpperInvariant();

    private static string Reversed => new(Secret.ToUpperInvariant().Reverse().ToArray());

    private string WritePlaybook(string hookUrl)
    {
        var secretFile = Path.Combine(_folder, "token");
        File.WriteAllText(secretFile, Secret + "\n");
        var path = Path.Combine(_folder, "hostile.yaml");
        File.WriteAllText(path, $$$"""
            apiVersion: runbook/v1
            kind: Playbook
            name: hostile-secret
            inputs:
              token: { type: secret, from: "file:{{{secretFile}}}" }
            phases:
              assess:
                - id: upper
                  run: echo "${{ inputs["token"] | string.upcase }}"
                  mutates: false
                - id: transformed
                  run: |
                    printf 'up=%s\n' "$(printf '%s' "$INPUT_TOKEN" | tr 'a-z' 'A-Z' | rev)" >> "$RUNBOOK_OUTPUT"
                  outputs: [up]
                  mutates: false
              communicate:
                - id: tell
                  uses: notify.webhook
                  with:
                    url: "{{{hookUrl}}}"
                    text: "key ${{ inputs['token'] | string.upcase }} / ${{ steps.transformed.outputs.up }} / ${{ toJSON(inputs) }}"
            """);
        return path;
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_secret_upper_cased_by_index_or_by_a_script_appears_in_no_byte_the_engine_writes_or_sends(CliTarget cli)
    {
        using var hook = new Webhook();
        var playbook = WritePlaybook(hook.Url);

        var text = cli.Run("exec", playbook, "--provider", "compose", "--journal", Journal);
        var json = cli.Run("exec", playbook, "--provider", "compose", "--journal", Journal, "--format", "json");
        var runId = json.Out.Split('\n').Where(l => l.StartsWith('{')).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("run_id").GetString()).First()!;
        var show = cli.Run("show", runId, "--journal", Journal, "--format", "json");
        var history = cli.Run("history", "--journal", Journal);
        var plans = new[] { "text", "json", "markdown" }.Select(f => cli.Run("plan", playbook, "--provider", "compose", "--format", f)).ToList();

        Assert.True(text.ExitCode == 0, text.Out + text.Error);
        Assert.Equal(0, json.ExitCode);
        Assert.Contains("***", text.Out, StringComparison.Ordinal);
        Assert.Equal(2, hook.Bodies.Count);
        Assert.All(hook.Bodies, body => Assert.Contains("key *** / *** / ", body, StringComparison.Ordinal));
        var written = new StringBuilder()
            .Append(text.Out).Append(text.Error).Append(json.Out).Append(json.Error).Append(show.Out).Append(history.Out)
            .AppendJoin(string.Empty, plans.Select(p => p.Out + p.Error))
            .AppendJoin(string.Empty, hook.Bodies);
        foreach (var file in Directory.GetFiles(_folder, "journal.db*"))
        {
            written.Append(Encoding.UTF8.GetString(File.ReadAllBytes(file)));
        }

        foreach (var form in new[] { Secret, Upper, Reversed, Convert.ToBase64String(Encoding.UTF8.GetBytes(Upper)) })
        {
            Assert.DoesNotContain(form, written.ToString(), StringComparison.Ordinal);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A real HTTP receiver on 127.0.0.1 that keeps every body it is sent.</summary>
    private sealed class Webhook : IDisposable
    {
        private readonly HttpListener _listener = new();

        public Webhook()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/hook";
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Url { get; }

        public ConcurrentQueue<string> Bodies { get; } = new();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
                {
                    Bodies.Enqueue(await reader.ReadToEndAsync());
                }

                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}
