using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Runbook.Cli.Composition;
using Runbook.Cli.Tests.Support;
using Runbook.Language;
using Runbook.Language.Model;

namespace Runbook.Cli.Tests.Fuzz;

/// <summary>
/// A reproducible fuzzing campaign: which seed, how many cases, which playbooks to mutate, where to save what fails.
/// RUNBOOK_FUZZ_SEED picks the seed (default <see cref="DefaultSeed"/>, so CI is deterministic),
/// RUNBOOK_FUZZ_CASES the number of cases, RUNBOOK_FUZZ_CASE replays one case of the seed,
/// RUNBOOK_FUZZ_OUT the folder failing cases are saved in (default .build/fuzz under the repository).
/// </summary>
internal sealed partial class FuzzCampaign
{
    public const int DefaultSeed = 20261130;

    private static readonly string[] SeedFolders = ["tests/corpus/good", "tests/corpus/bad", "playbooks", "samples/playbooks"];

    private static readonly string[] Providers = ["compose", "kubernetes", "aws", "azure", "gcp"];

    /// <summary>Values given to inputs without a default, so that plan and exec get past input binding.</summary>
    private static readonly string[] InputStrings =
    [
        "checkout", "a b", "$(touch /nonexistent/x)", "'\"`", "${{ inputs.x }}", "x\ny", "📋", "\u202Eevil", "-1", "9999999999999999999999",
    ];

    public FuzzCampaign(int seed, int cases, int? only, string outputFolder)
    {
        Seed = seed;
        Cases = cases;
        Only = only;
        OutputFolder = outputFolder;
        Seeds = [.. SeedFolders.SelectMany(f => Directory.EnumerateFiles(Repo.PathOf(f), "*.yaml")).Order(StringComparer.Ordinal)
            .Select(p => (Path.GetRelativePath(Repo.Root, p), File.ReadAllText(p)))];
    }

    public int Seed { get; }

    public int Cases { get; }

    public int? Only { get; }

    public string OutputFolder { get; }

    public IReadOnlyList<(string Path, string Text)> Seeds { get; }

    public static FuzzCampaign FromEnvironment(int defaultCases) => new(
        Number("RUNBOOK_FUZZ_SEED") ?? DefaultSeed,
        Number("RUNBOOK_FUZZ_CASES") ?? defaultCases,
        Number("RUNBOOK_FUZZ_CASE"),
        Environment.GetEnvironmentVariable("RUNBOOK_FUZZ_OUT") is { Length: > 0 } folder ? Path.GetFullPath(folder) : Repo.PathOf(".build", "fuzz"));

    private static int? Number(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;

    /// <summary>The case numbers to run: all of them, or the one being replayed.</summary>
    public IEnumerable<int> CaseNumbers => Only is { } one ? [one] : Enumerable.Range(0, Cases);

    /// <summary>Case <paramref name="number"/>'s own generator: independent of the order cases run in.</summary>
    public Random RandomFor(int number) =>
        new(unchecked((int)((((ulong)(uint)Seed * 0x9E3779B97F4A7C15UL) ^ ((ulong)(uint)number * 0xBF58476D1CE4E5B9UL)) >> 33)));

    public FuzzCase Make(int number)
    {
        var random = RandomFor(number);
        var (path, text) = Seeds[random.Next(Seeds.Count)];
        var log = new List<string>();
        var bytes = Mutator.Mutate(text, random, log);
        return new FuzzCase(number, path, bytes, log, Providers[random.Next(Providers.Length)], random.Next(1000));
    }

    /// <summary>
    /// A diagnostic that points outside its file (a line past the end, a column past the end of its line plus
    /// one, an end before the start) is a span-arithmetic bug even when no renderer trips over it.
    /// </summary>
    public static string? SpanFault(LoadedPlaybook loaded)
    {
        if (loaded.Source is not { } source)
        {
            return null; // decoding failed: positions count bytes of a text that does not exist
        }

        var lines = source.Text.Split('\n');
        foreach (var d in loaded.Diagnostics)
        {
            var (start, end) = (d.Span.Start, d.Span.End);
            if (d.Span.Path != loaded.Path || start.Line < 1 || start.Line > lines.Length || start.Column < 1
                || start.Column > lines[start.Line - 1].Length + 1 || end.Line < start.Line || end.Line > lines.Length
                || (end.Line == start.Line && end.Column < start.Column) || end.Column < 1 || end.Column > lines[end.Line - 1].Length + 1)
            {
                return $"{d.Code} '{d.Message}' has a span outside the file: {d.Span.Path}:{start}-{end}";
            }
        }

        return null;
    }

    /// <summary>--input pairs for every input the mutated playbook still declares without a default.</summary>
    public static string[] InputsFor(LoadedPlaybook loaded, int pick)
    {
        if (loaded.Playbook is null)
        {
            return [];
        }

        var args = new List<string>();
        foreach (var input in loaded.Playbook.Inputs.Where(i => i.Default is null && i.Type != InputType.Secret))
        {
            var value = input.Type switch
            {
                InputType.Number => input.Min?.ToString(CultureInfo.InvariantCulture) ?? "1",
                InputType.Boolean => "true",
                InputType.Duration => "1s",
                InputType.Enum => input.Values.FirstOrDefault() ?? "x",
                _ => InputStrings[(pick + args.Count) % InputStrings.Length],
            };
            args.Add("--input");
            args.Add($"{input.Name}={value}");
        }

        return [.. args];
    }

    /// <summary>Environment variables for secret inputs read from the environment, for the child process only.</summary>
    public static Dictionary<string, string?> SecretsFor(LoadedPlaybook loaded) =>
        (loaded.Playbook?.Inputs ?? []).Where(i => i.From is { Kind: SecretSourceKind.Environment })
            .Select(i => i.From!.Reference).Distinct(StringComparer.Ordinal)
            .ToDictionary(name => name, _ => (string?)"fuzz-secret-0123456789", StringComparer.Ordinal);

    /// <summary>What makes an outcome a crash: an exit code outside the contract, or a stack trace in the output.</summary>
    public static string? Fault(int exitCode, string output) =>
        exitCode is not (0 or 1 or 2) ? $"exit code {exitCode}"
        : StackTrace().Match(output) is { Success: true } trace ? $"a stack trace in the output: {trace.Value.Trim()}"
        : null;

    [GeneratedRegex(@"^\s+at [\w.`<>\[\]]+\.[\w<>`]+\(|Unhandled exception|--- End of (inner exception )?stack trace", RegexOptions.Multiline)]
    private static partial Regex StackTrace();

    /// <summary>Saves a failing case beside a description of how to replay it; returns the file to look at.</summary>
    public string Save(FuzzCase fuzz, string command, string fault, string output)
    {
        var folder = Path.Combine(OutputFolder, $"seed-{Seed}");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, $"case-{fuzz.Number}.yaml");
        File.WriteAllBytes(file, fuzz.Bytes);
        File.WriteAllText(Path.ChangeExtension(file, ".txt"), $"""
            seed: {Seed}
            case: {fuzz.Number}
            mutated from: {fuzz.SeedPath}
            mutations: {string.Join("; ", fuzz.Mutations)}
            command: runbook {command}
            fault: {fault}
            replay: RUNBOOK_FUZZ_SEED={Seed} RUNBOOK_FUZZ_CASE={fuzz.Number} dotnet test tests/Runbook.Cli.Tests --filter "FullyQualifiedName~Fuzz"
            output:
            {output}
            """);
        return file;
    }

    public sealed class Failures
    {
        private readonly ConcurrentBag<string> _items = [];

        public void Add(string item) => _items.Add(item);

        public int Count => _items.Count;

        public string Describe(FuzzCampaign campaign) => new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{_items.Count} fuzz case(s) crashed (seed {campaign.Seed}; replay one with RUNBOOK_FUZZ_SEED={campaign.Seed} RUNBOOK_FUZZ_CASE=N):")
            .AppendJoin('\n', _items.Order(StringComparer.Ordinal).Take(30))
            .ToString();
    }
}

/// <summary>One generated case: the bytes of a playbook, how they were made, and what to run them with.</summary>
internal sealed record FuzzCase(int Number, string SeedPath, byte[] Bytes, IReadOnlyList<string> Mutations, string Provider, int Pick);
