using System.Text;
using Runbook.Execution.Actions;
using Runbook.Execution.Engine;
using Runbook.Execution.Secrets;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Engine;

public sealed class SecretMaskingTests
{
    private const string Playbook = """
        apiVersion: runbook/v1
        kind: Playbook
        name: leaky
        inputs:
          token: { type: secret, from: env:RUNBOOK_TEST_TOKEN }
        phases:
          assess:
            - id: leak
              uses: http.check
              with:
                url: http://x/
                headers: { Authorization: "Bearer ${{ inputs.token }}" }
          mitigate:
            - id: forward
              uses: http.request
              with:
                url: http://x/
                json: { derived: "${{ inputs.token | string.upcase }}" }
              rollback: { uses: http.request, with: { url: http://x/undo } }
        """;

    [Theory]
    [InlineData("s3cr3t-Value/with+plus=")]
    [InlineData("pässwörd with spaces & symbols")]
    [InlineData("line-one\nline-two-of-a-pem")]
    public async Task A_secret_never_appears_in_the_journal_or_the_events_in_any_encoding(string secret)
    {
        Environment.SetEnvironmentVariable("RUNBOOK_TEST_TOKEN", secret);
        var check = new FakeAction("http.check", i =>
        {
            var header = ((IReadOnlyDictionary<string, object?>)i.Get("headers")!)["Authorization"]!.ToString()!;
            i.Log.Line(LogStream.Stdout, $"sending {header}");
            i.Log.Line(LogStream.Stdout, Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)));
            i.Log.Line(LogStream.Stderr, Uri.EscapeDataString(secret));
            return StepOutcome.Success(new Dictionary<string, object?> { ["echo"] = header, ["b64"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)) });
        });
        var request = new FakeAction("http.request", i =>
        {
            var derived = ((IReadOnlyDictionary<string, object?>)i.Get("json")!)["derived"]!.ToString()!;
            return i.GetString("url") == "http://x/undo" ? StepOutcome.Success() : StepOutcome.Failure($"upstream rejected {derived} and {secret}", retryable: false);
        });
        await using var harness = new ExecutorHarness(check, request);

        var result = await harness.RunAsync(Playbook);
        await (await harness.JournalAsync()).DisposeAsync();

        Assert.Equal(Runbook.Execution.Journal.RunStatus.Failed, result.Status); // nothing completed had a rollback
        var everything = new StringBuilder(result.Summary);
        foreach (var e in harness.Observer.Events)
        {
            everything.Append(e.ToString());
        }

        var journalBytes = ReadAllBytesShared(harness.JournalPath);
        foreach (var form in Forms(secret))
        {
            Assert.DoesNotContain(form, everything.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(form, Encoding.UTF8.GetString(journalBytes), StringComparison.Ordinal);
        }

        Assert.Contains(SecretMasker.Mask, everything.ToString(), StringComparison.Ordinal);
    }

    private static IEnumerable<string> Forms(string secret)
    {
        yield return secret;
        yield return secret.ToUpperInvariant();
        yield return Convert.ToBase64String(Encoding.UTF8.GetBytes(secret));
        yield return Uri.EscapeDataString(secret);
        foreach (var line in secret.Split('\n'))
        {
            yield return line;
        }
    }

    private static byte[] ReadAllBytesShared(string path)
    {
        var bytes = new List<byte>();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            bytes.AddRange(memory.ToArray());
        }

        return [.. bytes];
    }
}
