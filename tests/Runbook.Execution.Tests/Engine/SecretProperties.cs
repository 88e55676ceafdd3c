using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Runbook.Execution.Actions;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Engine;

public sealed class SecretProperties
{
    private static readonly Gen<string> Secrets =
        Gen.ArrayOf(Gen.Elements("a", "Z", "9", "-", "_", "/", "+", "=", " ", "ü", "%", "&", "\"", "\\", ":", "@"))
            .Where(parts => parts.Length >= 6)
            .Select(string.Concat)
            .Where(s => s.Trim().Length >= 6 && s.Distinct().Count() >= 4);

    [FsCheck.Xunit.Property(MaxTest = 25)]
    public Property A_random_secret_never_appears_in_any_output_in_any_encoding() =>
        Prop.ForAll(Secrets.ToArbitrary(), secret =>
        {
            Environment.SetEnvironmentVariable("RUNBOOK_PROP_SECRET", secret);
            var check = new FakeAction("http.check", i =>
            {
                var token = ((IReadOnlyDictionary<string, object?>)i.Get("headers")!)["X-Token"]!.ToString()!;
                i.Log.Line(LogStream.Stdout, "token " + token + " b64 " + Convert.ToBase64String(Encoding.UTF8.GetBytes(token)));
                i.Log.Line(LogStream.Stderr, "url " + Uri.EscapeDataString(token));
                return StepOutcome.Failure("rejected " + token, new Dictionary<string, object?> { ["echo"] = token });
            });
            using var scope = new HarnessScope(check);
            var result = scope.Harness.RunAsync("""
                apiVersion: runbook/v1
                kind: Playbook
                name: prop
                inputs:
                  token: { type: secret, from: env:RUNBOOK_PROP_SECRET }
                phases:
                  assess:
                    - id: probe
                      uses: http.check
                      with: { url: http://x, headers: { X-Token: "${{ inputs.token }}" } }
                """).GetAwaiter().GetResult();
            var written = new StringBuilder(result.Summary);
            foreach (var e in scope.Harness.Observer.Events)
            {
                written.Append(e);
            }

            foreach (var entry in scope.Harness.EntriesAsync(result.RunId).GetAwaiter().GetResult())
            {
                written.Append(entry.Data);
            }

            var text = written.ToString();
            var leaked = new[] { secret, Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), Uri.EscapeDataString(secret) }
                .Where(form => text.Contains(form, StringComparison.Ordinal)).ToList();
            return (leaked.Count == 0).Label($"secret '{secret}' leaked as: {string.Join(", ", leaked)}");
        });

    private sealed class HarnessScope(params IStepAction[] actions) : IDisposable
    {
        public ExecutorHarness Harness { get; } = new(actions);

        public void Dispose() => Harness.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
