using System.Diagnostics;
using System.Text.Json;
using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// bench/run still runs and still writes its table: a quick run of its cheaper parts against the JIT build, without
/// Ansible. Nothing here judges a figure (no test times anything); it checks the shape of what the lead's full run
/// will write, and that a target the run could not measure is never reported as met.
/// </summary>
public sealed class BenchRunTests
{
    [Fact]
    public async Task A_quick_bench_run_writes_a_markdown_table_and_json_with_every_part_it_ran()
    {
        var python = new[] { "/usr/bin/python3", "/bin/python3" }.FirstOrDefault(File.Exists);
        Assert.True(python is not null, "python3 is missing: apt-get install python3 (bench/run is a Python 3 script, standard library only)");
        var output = Directory.CreateTempSubdirectory("runbook-bench-test-").FullName;
        try
        {
            var start = new ProcessStartInfo(python, [Repo.PathOf("bench", "run"), "--quick", "--without-ansible",
                "--only", "one-step,shell-steps,scale,history", "--out", output])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["RUNBOOK_BENCH_BIN"] = $"dotnet {Path.Combine(AppContext.BaseDirectory, "runbook.dll")}";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using (var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5)))
            {
                await process.WaitForExitAsync(deadline.Token);
            }

            Assert.True(process.ExitCode == 0, await stderr);

            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "latest.json")));
            Assert.Equal("runbook.bench/v1", json.RootElement.GetProperty("format").GetString());
            var rows = json.RootElement.GetProperty("rows").EnumerateArray().ToList();
            var names = rows.Select(r => r.GetProperty("what").GetString()!).ToList();
            Assert.Contains("one-step exec (a mutating shell step)", names);
            Assert.Contains("20 mutating shell steps", names);
            Assert.Contains("per shell step (slope over N)", names);
            Assert.Contains("history / show over a journal of 1,000 runs", names);
            Assert.Contains(names, n => n.StartsWith("100 steps", StringComparison.Ordinal));

            foreach (var row in rows)
            {
                foreach (var figure in row.GetProperty("figures").EnumerateObject().Where(f => f.Value.ValueKind == JsonValueKind.Object && f.Value.TryGetProperty("median_s", out _)))
                {
                    var (median, min, max) = (figure.Value.GetProperty("median_s").GetDouble(), figure.Value.GetProperty("min_s").GetDouble(), figure.Value.GetProperty("max_s").GetDouble());
                    Assert.True(min > 0 && min <= median && median <= max, $"{row.GetProperty("what")}: {figure.Name} has min {min}, median {median}, max {max}");
                }
            }

            // Without Ansible, the targets against it are not measured: never met, never missed.
            var versusAnsible = rows.Where(r => r.GetProperty("what").GetString()!.Contains("Ansible", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(versusAnsible);
            Assert.All(versusAnsible, r => Assert.Equal(JsonValueKind.Null, r.GetProperty("met").ValueKind));
            Assert.All(versusAnsible, r => Assert.Contains("--without-ansible", r.GetProperty("note").GetString(), StringComparison.Ordinal));
            // A target measured here has a verdict.
            Assert.Contains(rows, r => r.GetProperty("what").GetString() == "one-step exec (a mutating shell step)" && r.GetProperty("met").ValueKind is JsonValueKind.True or JsonValueKind.False);

            var markdown = File.ReadAllText(Path.Combine(output, "latest.md"));
            Assert.Contains("| what | figures (median [min–max] of the runs) | target | verdict |", markdown, StringComparison.Ordinal);
            Assert.Equal(rows.Count, markdown.Split('\n').Count(l => l.StartsWith("| ", StringComparison.Ordinal)) - 1);
            Assert.Contains(markdown, await stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
