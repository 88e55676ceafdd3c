using BenchmarkDotNet.Attributes;
using Runbook.Language;
using Runbook.Language.Actions;

namespace Runbook.Bench;

/// <summary>Issue 10: validating 1,000 generated playbooks in one process, and one real playbook.</summary>
[MemoryDiagnoser]
public class LanguageBenchmarks
{
    private readonly ActionCatalog _catalog = ActionCatalog.Create([]);
    private string _folder = string.Empty;
    private string[] _files = [];
    private string _highErrorRate = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("runbook-bench-").FullName;
        _files = [.. Enumerable.Range(0, 1000).Select(i =>
        {
            var path = Path.Combine(_folder, $"p{i:0000}.yaml");
            File.WriteAllText(path, Playbooks.Generate(i));
            return path;
        })];
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "RunbookEngine.sln")))
        {
            dir = dir.Parent;
        }

        _highErrorRate = Path.Combine(dir.FullName, "playbooks", "high-error-rate.yaml");
        var check = PlaybookLoader.LoadFile(_files[0], _catalog);
        if (!check.IsValid)
        {
            throw new InvalidOperationException(string.Join("\n", check.Diagnostics));
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark(Description = "validate 1,000 generated playbooks (sequential)")]
    public int ValidateThousand()
    {
        var errors = 0;
        foreach (var file in _files)
        {
            errors += PlaybookLoader.LoadFile(file, _catalog).HasErrors ? 1 : 0;
        }

        return errors;
    }

    [Benchmark(Description = "validate 1,000 generated playbooks (parallel, as runbook validate does)")]
    public int ValidateThousandParallel()
    {
        var errors = 0;
        Parallel.ForEach(_files, file =>
        {
            if (PlaybookLoader.LoadFile(file, _catalog).HasErrors)
            {
                Interlocked.Increment(ref errors);
            }
        });
        return errors;
    }

    [Benchmark(Description = "load and check playbooks/high-error-rate.yaml")]
    public bool LoadHighErrorRate() => PlaybookLoader.LoadFile(_highErrorRate, _catalog).IsValid;
}
