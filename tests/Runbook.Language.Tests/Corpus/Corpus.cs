using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Runbook.Language.Actions;

namespace Runbook.Language.Tests.Corpus;

/// <summary>One diagnostic a bad corpus file declares, as code and line:col.</summary>
internal readonly record struct Expectation(string Code, int Line, int Column)
{
    public override string ToString() => $"{Code} {Line}:{Column}";
}

/// <summary>
/// The playbooks under tests/corpus. A bad file starts with comment lines that declare what loading it must
/// report: <c># expect: RB0106 12:9</c>, one line per diagnostic, and optionally <c># provider: limited</c>.
/// </summary>
internal static partial class Corpus
{
    public static string Root { get; } = Path.Combine(TestPaths.RepoRoot, "tests", "corpus");

    public static IEnumerable<string> GoodFiles => Files("good");

    public static IEnumerable<string> BadFiles => Files("bad");

    /// <summary>A provider that supports only service.describe, for RB0307.</summary>
    public static ProviderDescriptor Limited { get; } = new(
        "limited", "Supports only service.describe.", [], ["service.describe"], ImmutableDictionary<string, string>.Empty);

    public static ActionCatalog Catalog { get; } = ActionCatalog.Create([Limited]);

    /// <summary>The real Kubernetes provider, for the codes its actions declare (RB0330): <c># provider: kubernetes</c>.</summary>
    private static ActionCatalog KubernetesCatalog { get; } = ActionCatalog.Create([Runbook.Providers.Kubernetes.KubernetesProvider.Describe]);

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static LoadedPlaybook Load(string relative)
    {
        var path = PathOf(relative);
        var name = Header(path).Provider;
        if (name == "kubernetes")
        {
            return PlaybookLoader.LoadFile(path, KubernetesCatalog, KubernetesCatalog.FindProvider(name));
        }

        var provider = name is null ? null : Catalog.FindProvider(name);
        return PlaybookLoader.LoadFile(path, ActionCatalog.Create([]), provider);
    }

    public static (ImmutableHashSet<Expectation> Expected, string? Provider) Header(string path)
    {
        var expected = ImmutableHashSet.CreateBuilder<Expectation>();
        string? provider = null;
        foreach (var line in File.ReadLines(path).TakeWhile(l => l.StartsWith('#')))
        {
            if (ExpectLine().Match(line) is { Success: true } m)
            {
                expected.Add(new Expectation(m.Groups["code"].Value,
                    int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture),
                    int.Parse(m.Groups["col"].Value, CultureInfo.InvariantCulture)));
            }
            else if (ProviderLine().Match(line) is { Success: true } p)
            {
                provider = p.Groups["name"].Value;
            }
        }

        return (expected.ToImmutable(), provider);
    }

    private static IEnumerable<string> Files(string folder) =>
        Directory.EnumerateFiles(Path.Combine(Root, folder), "*.yaml")
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    [GeneratedRegex(@"^#\s*expect:\s*(?<code>RB\d{4})\s+(?<line>\d+):(?<col>\d+)\s*$")]
    private static partial Regex ExpectLine();

    [GeneratedRegex(@"^#\s*provider:\s*(?<name>\S+)\s*$")]
    private static partial Regex ProviderLine();
}
