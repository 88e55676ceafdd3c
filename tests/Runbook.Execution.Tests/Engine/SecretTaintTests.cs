using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Runbook.Execution.Actions;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Secrets;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Engine;

/// <summary>
/// A value computed from a secret is a secret, however it was read or transformed: the attacker's forms from
/// issue 16 each run through the real executor, journal and notification actions, and every byte written is scanned.
/// </summary>
public sealed class SecretTaintTests
{
    private const string Secret = "s3cr3t-tok/en+42";

    private static readonly Dictionary<string, string> Inputs = new() { ["token"] = Secret };

    private static readonly Dictionary<string, string> InputsWithService = new() { ["token"] = Secret, ["service"] = "checkout" };

    /// <summary>The expression in every place a secret may surface; inside YAML double quotes, so backslashes and quotes are escaped.</summary>
    private static string Playbook(string expression, string notifyUrl)
    {
        var e = expression.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        return $$$"""
        apiVersion: runbook/v1
        kind: Playbook
        name: hostile
        inputs:
          token: { type: secret, from: env:RUNBOOK_TAINT_UNSET }
          service: { type: string }
        phases:
          assess:
            - id: use
              uses: http.check
              with: { url: "http://x/${{ inputs.service }}", expect_body_contains: "${{ {{{e}}} }}" }
          communicate:
            - id: tell
              uses: notify.webhook
              with: { url: "{{{notifyUrl}}}", text: "derived ${{ {{{e}}} }}" }
            - id: card
              uses: notify.teams
              with: { webhook: "{{{notifyUrl}}}", title: "${{ {{{e}}} }}", text: "body" }
            - id: json
              uses: notify.webhook
              with: { url: "{{{notifyUrl}}}", json: { note: "${{ {{{e}}} }}" } }
            - id: fail
              uses: http.check
              with: { url: "http://fail/", expect_body_contains: "${{ {{{e}}} }}" }
        """;
    }

    [Theory]
    [InlineData("inputs[\"token\"] | string.upcase")]
    [InlineData("inputs['token'] | string.downcase | string.replace 'tok' 'KOT'")]
    [InlineData("inputs[format('{0}{1}', 'to', 'ken')] | string.upcase")]
    [InlineData("fromJSON(toJSON(inputs)).token | string.upcase")]
    [InlineData("toJSON(inputs) | string.upcase")]
    [InlineData("format('<{0}>', inputs.token | string.upcase)")]
    [InlineData("('pre-' + inputs.token + '-post') | string.upcase")]
    [InlineData("inputs.token | string.slice 2 | string.capitalize")]
    [InlineData("inputs.token | string.sha256")]
    [InlineData("inputs.token | string.base64_encode | string.upcase")]
    [InlineData("join(fromJSON(format('[\"{0}\", \"x\"]', inputs.token | string.upcase)), '|')")]
    public async Task A_value_computed_from_a_secret_never_appears_in_anything_the_engine_writes_or_sends(string expression)
    {
        await using var server = await LoopbackServer.StartAsync((c, _) => c.Response.WriteAsync("{}"));
        var seen = new List<string>();
        var check = new FakeAction("http.check", i =>
        {
            var derived = i.GetString("expect_body_contains")!;
            lock (seen)
            {
                seen.Add(derived);
            }

            i.Log.Line(LogStream.Stdout, "checking for " + derived);
            return i.GetString("url") == "http://fail/"
                ? StepOutcome.Failure($"body did not contain {derived}", new Dictionary<string, object?> { ["wanted"] = derived })
                : StepOutcome.Success(new Dictionary<string, object?> { ["wanted"] = derived, ["list"] = new List<object?> { derived } });
        });
        await using var harness = new ExecutorHarness([check, .. BuiltinActionRegistry.Create().Where(a => a.Name.StartsWith("notify.", StringComparison.Ordinal))]);

        var result = await Executor.StartAsync(await harness.ServicesAsync(),
            ExecutorHarness.Request(harness.Load(Playbook(expression, server.Url + "/hook")), InputsWithService));

        Assert.Equal(RunStatus.Failed, result.Status);
        var derived = seen.Distinct().Single();
        Assert.True(derived.Length >= SecretMasker.MinimumLength && derived != Secret, derived);
        Assert.Equal(3, server.Requests.Count); // the notifications were sent, masked
        var written = await WrittenAsync(harness, result, server);
        Assert.DoesNotContain(derived, written, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, written, StringComparison.Ordinal);
        Assert.Contains("derived ***", server.Requests.First().Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expression_that_reads_a_secret_and_fails_withholds_the_reason()
    {
        var check = new FakeAction("http.check");
        await using var harness = new ExecutorHarness(check);

        var result = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(harness.Load("""
            apiVersion: runbook/v1
            kind: Playbook
            name: failing
            inputs:
              token: { type: secret, from: env:RUNBOOK_TAINT_UNSET }
            phases:
              assess:
                - id: use
                  uses: http.check
                  with: { url: "http://x/", expect_body_contains: "${{ format(inputs.token | string.upcase | string.append '{') }}" }
            """), Inputs));

        Assert.Equal(RunStatus.Failed, result.Status);
        var error = harness.Observer.Events.OfType<StepFinishedEvent>().Single(e => e.StepId == "use").Error!;
        Assert.Contains("it reads a secret, so the reason is withheld", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret.ToUpperInvariant(), await WrittenAsync(harness, result), StringComparison.Ordinal);
        Assert.Empty(check.Calls);
    }

    [Fact]
    public async Task The_outputs_of_a_script_that_received_a_secret_are_masked_and_taint_what_reads_them()
    {
        var console = new FakeAction("notify.console");
        await using var harness = new ExecutorHarness(BuiltinActionRegistry.Create().Single(a => a.Name == "run"), console);

        var result = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(harness.Load("""
            apiVersion: runbook/v1
            kind: Playbook
            name: transformed
            inputs:
              token: { type: secret, from: env:RUNBOOK_TAINT_UNSET }
            phases:
              assess:
                - id: transform
                  run: |
                    up=$(printf '%s' "$INPUT_TOKEN" | tr 'a-z' 'A-Z' | rev)
                    echo "up=$up" >> "$RUNBOOK_OUTPUT"
                  outputs: [up]
                  mutates: false
              communicate:
                - id: tell
                  uses: notify.console
                  with: { text: "got ${{ steps.transform.outputs.up }} and ${{ steps.transform.outputs.up | string.downcase }}" }
            """), Inputs));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var transformed = new string(Secret.ToUpperInvariant().Reverse().ToArray());
        var written = await WrittenAsync(harness, result);
        Assert.DoesNotContain(transformed, written, StringComparison.Ordinal);
        Assert.DoesNotContain(transformed.ToLowerInvariant(), written, StringComparison.Ordinal);
        Assert.Equal("got *** and ***", Assert.Single(console.Calls).GetString("text"));
    }

    [Fact]
    public async Task A_value_that_contains_a_secret_taints_what_is_computed_from_it()
    {
        var echo = new FakeAction("http.check", i => StepOutcome.Success(new Dictionary<string, object?>
        {
            ["body"] = "Authorization: Bearer " + ((IReadOnlyDictionary<string, object?>)i.Get("headers")!)["Authorization"],
        }));
        var request = new FakeAction("http.request", i =>
        {
            i.Log.Line(LogStream.Stdout, "sent " + i.GetString("body"));
            return StepOutcome.Success(new Dictionary<string, object?> { ["sent"] = i.GetString("body") });
        });
        await using var harness = new ExecutorHarness(echo, request);

        var result = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(harness.Load("""
            apiVersion: runbook/v1
            kind: Playbook
            name: reflected
            inputs:
              token: { type: secret, from: env:RUNBOOK_TAINT_UNSET }
            phases:
              assess:
                - id: probe
                  uses: http.check
                  with: { url: "http://x/", headers: { Authorization: "${{ inputs.token }}" } }
              mitigate:
                - id: forward
                  uses: http.request
                  with: { url: "http://y/", body: "${{ steps.probe.outputs.body | string.upcase }}" }
                  rollback: { uses: http.request, with: { url: http://y/undo } }
            """), Inputs));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var upper = ("AUTHORIZATION: BEARER " + Secret).ToUpperInvariant();
        Assert.Equal(upper, Assert.Single(request.Calls).GetString("body"));
        Assert.DoesNotContain(upper, await WrittenAsync(harness, result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_notification_template_that_reads_a_secret_sends_it_masked_and_keeps_the_rest_readable()
    {
        await using var server = await LoopbackServer.StartAsync((c, _) => c.Response.WriteAsync("ok"));
        await using var harness = new ExecutorHarness([.. BuiltinActionRegistry.Create()]);
        var playbook = harness.Load($$"""
            apiVersion: runbook/v1
            kind: Playbook
            name: templated
            inputs:
              token: { type: secret, from: env:RUNBOOK_TAINT_UNSET }
            phases:
              communicate:
                - id: update
                  uses: notify.slack
                  with: { webhook: "{{server.Url}}/slack", template: update.sbn }
            """);
        await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(playbook.Path)!, "update.sbn"), """
            INCIDENT: checkout is failing
            {{ key = inputs["to" + "ken"] }}Key: {{ key | string.upcase }}
            """);

        var result = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(playbook, Inputs));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var sent = JsonDocument.Parse(Assert.Single(server.Requests).Body).RootElement.GetProperty("text").GetString();
        Assert.Equal("INCIDENT: checkout is failing\nKey: ***", sent);
        Assert.DoesNotContain(Secret.ToUpperInvariant(), await WrittenAsync(harness, result, server), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_script_receives_a_secret_as_INPUT_only_when_its_text_names_it()
    {
        await using var harness = new ExecutorHarness(BuiltinActionRegistry.Create().Single(a => a.Name == "run"));

        var result = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(harness.Load("""
            apiVersion: runbook/v1
            kind: Playbook
            name: inputs-env
            inputs:
              token: { type: secret, from: env:RUNBOOK_TAINT_UNSET }
              service: { type: string }
            phases:
              assess:
                - id: silent
                  run: env | cut -d= -f1 | grep '^INPUT_' | sort | tr '\n' ' '
                  mutates: false
                - id: named
                  run: test -n "$INPUT_TOKEN"
                  mutates: false
            """), InputsWithService));

        Assert.Equal(RunStatus.Succeeded, result.Status); // 'named' fails unless it got the secret
        var state = await harness.StateAsync(result.RunId);
        Assert.Equal("INPUT_SERVICE ", state.Step("silent").Outputs["stdout"]);
    }

    [Fact]
    public async Task Expressions_see_only_the_environment_variables_the_playbook_declares()
    {
        var check = new FakeAction("http.check");
        await using var harness = new ExecutorHarness(check);

        var result = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(harness.Load("""
            apiVersion: runbook/v1
            kind: Playbook
            name: environment
            env: [HOME]
            phases:
              assess:
                - id: read
                  uses: http.check
                  with: { url: "http://x/", expect_body_contains: "${{ toJSON(env) }}", headers: { home: "${{ env.HOME }}" } }
            """)));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var call = Assert.Single(check.Calls);
        var visible = JsonDocument.Parse(call.GetString("expect_body_contains")!).RootElement.EnumerateObject().Select(p => p.Name);
        Assert.Equal(["HOME"], visible);
        Assert.Equal(Environment.GetEnvironmentVariable("HOME"), ((IReadOnlyDictionary<string, object?>)call.Get("headers")!)["home"]);
    }

    [Fact]
    public async Task A_declared_variable_a_secret_input_comes_from_is_a_secret_too()
    {
        var check = new FakeAction("http.check");
        await using var harness = new ExecutorHarness(check);

        var result = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(harness.Load("""
            apiVersion: runbook/v1
            kind: Playbook
            name: environment-secret
            env: [PATH]
            inputs:
              path_secret: { type: secret, from: env:PATH }
            phases:
              assess:
                - id: read
                  uses: http.check
                  with: { url: "http://x/", expect_body_contains: "${{ env.PATH | string.upcase }}" }
            """)));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var upper = Environment.GetEnvironmentVariable("PATH")!.ToUpperInvariant();
        Assert.Equal(upper, Assert.Single(check.Calls).GetString("expect_body_contains"));
        Assert.DoesNotContain(upper, await WrittenAsync(harness, result), StringComparison.Ordinal);
    }

    /// <summary>Everything the engine wrote for the run: the summary, every event, the journal's files, what notifications sent.</summary>
    internal static async Task<string> WrittenAsync(ExecutorHarness harness, RunResult result, LoopbackServer? server = null)
    {
        var written = new StringBuilder(result.Summary);
        foreach (var e in harness.Observer.Events)
        {
            written.Append(e);
        }

        foreach (var entry in await harness.EntriesAsync(result.RunId))
        {
            written.Append(entry.Data);
        }

        await (await harness.JournalAsync()).DisposeAsync();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(harness.JournalPath)!, "journal.db*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            await stream.CopyToAsync(memory);
            written.Append(Encoding.UTF8.GetString(memory.ToArray()));
        }

        foreach (var request in server?.Requests ?? [])
        {
            written.Append(request.Path).Append(request.Body);
        }

        return written.ToString();
    }
}
