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

    /// <summary>Ways to read the secret: by name, by literal index, by computed index, through the whole inputs object.</summary>
    private static readonly Gen<string> Access = Gen.Elements(
        "inputs.token", "inputs['token']", "inputs[\"tok\" + \"en\"]", "inputs[format('{0}{1}', 'tok', 'en')]", "fromJSON(toJSON(inputs)).token");

    /// <summary>Transformations an attacker may chain: filters, functions, concatenation.</summary>
    private static readonly Gen<Func<string, string>> Step = Gen.Elements<Func<string, string>>(
        x => $"{x} | string.upcase",
        x => $"{x} | string.downcase",
        x => $"{x} | string.capitalize",
        x => $"{x} | string.replace 'a' 'A'",
        x => $"{x} | string.slice 1",
        x => $"{x} | string.append 'xyz'",
        x => $"{x} | string.prepend 'abc'",
        x => $"{x} | string.base64_encode",
        x => $"{x} | html.url_encode",
        x => $"{x} | html.escape",
        x => $"{x} | string.sha1",
        x => $"{x} | string.md5",
        x => $"format('[{{0}}]', {x})",
        x => $"toJSON({x})",
        x => $"('k-' + {x} + '-v')",
        x => $"join(fromJSON(toJSON([{x}, 'z'])), ',')");

    private static readonly Gen<(string Secret, string Expression)> Cases =
        from secret in Secrets
        from access in Access
        from steps in Gen.ListOf(Step).Where(l => l.Count is >= 1 and <= 4)
        select (secret, steps.Aggregate(access, (expression, step) => step($"({expression})")));

    [FsCheck.Xunit.Property(MaxTest = 150)]
    public Property A_random_secret_through_a_random_chain_of_filters_never_appears_in_any_byte_the_engine_writes() =>
        Prop.ForAll(Cases.ToArbitrary(), testCase =>
        {
            var (secret, expression) = testCase;
            var derived = new List<string>();
            var check = new FakeAction("http.check", i =>
            {
                var value = i.GetString("expect_body_contains")!;
                derived.Add(value);
                i.Log.Line(LogStream.Stdout, "computed " + value);
                return i.GetString("url") == "http://fail/"
                    ? StepOutcome.Failure("rejected " + value, new Dictionary<string, object?> { ["body"] = value })
                    : StepOutcome.Success(new Dictionary<string, object?> { ["body"] = value });
            });
            using var scope = new HarnessScope(check);
            var quoted = expression.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
            var result = scope.Harness.RunAsync($$$"""
                apiVersion: runbook/v1
                kind: Playbook
                name: chain
                inputs:
                  token: { type: secret, from: env:RUNBOOK_PROP_UNSET }
                phases:
                  assess:
                    - id: compute
                      uses: http.check
                      with: { url: http://x, expect_body_contains: "${{ {{{quoted}}} }}" }
                    - id: reuse
                      uses: http.check
                      with: { url: http://fail/, expect_body_contains: "${{ steps.compute.outputs.body }}" }
                """, new Dictionary<string, string> { ["token"] = secret }).GetAwaiter().GetResult();
            var written = SecretTaintTests.WrittenAsync(scope.Harness, result).GetAwaiter().GetResult();
            var leaked = derived.Distinct().Append(secret).Where(v => v.Length >= Runbook.Execution.Secrets.SecretMasker.MinimumLength && written.Contains(v, StringComparison.Ordinal)).ToList();
            return (derived.Count == 2 && leaked.Count == 0).Label($"'{expression}' with secret '{secret}': computed {string.Join(" | ", derived)}; leaked: {string.Join(", ", leaked)}");
        });

    private sealed class HarnessScope(params IStepAction[] actions) : IDisposable
    {
        public ExecutorHarness Harness { get; } = new(actions);

        public void Dispose() => Harness.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
