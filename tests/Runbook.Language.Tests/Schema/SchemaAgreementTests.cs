using Runbook.Language.Tests.Corpus;

namespace Runbook.Language.Tests.Schema;

/// <summary>The JSON Schema editors use and the checker agree on what a playbook is.</summary>
public sealed class SchemaAgreementTests
{
    /// <summary>Structural codes: a JSON Schema can say each of these, so it must reject the file too.</summary>
    private static readonly HashSet<string> Structural = new(StringComparer.Ordinal)
    {
        "RB0100", "RB0101", "RB0102", "RB0103", "RB0104", "RB0105", "RB0108", "RB0109", "RB0110", "RB0111", "RB0112", "RB0116",
        "RB0118", "RB0119",
    };

    public static TheoryData<string> GoodFiles => [.. Corpus.Corpus.GoodFiles.Select(Corpus.Corpus.PathOf),
        Path.Combine(TestPaths.RepoRoot, "playbooks", "high-error-rate.yaml")];

    public static TheoryData<string> StructurallyBadFiles => [.. StructurallyBad()];

    [Theory]
    [MemberData(nameof(GoodFiles))]
    public void A_good_playbook_validates_against_the_schema_and_loads_without_errors(string path)
    {
        // Act
        var schemaErrors = PlaybookSchema.Validate(path);
        var loaded = PlaybookLoader.LoadFile(path, Runbook.Language.Actions.ActionCatalog.Create([]));

        // Assert
        Assert.Empty(schemaErrors);
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Diagnostics));
    }

    [Theory]
    [MemberData(nameof(StructurallyBadFiles))]
    public void A_structurally_bad_playbook_is_rejected_by_the_schema_too(string path)
    {
        // Act
        var schemaErrors = PlaybookSchema.Validate(path);

        // Assert
        Assert.NotEmpty(schemaErrors);
    }

    [Fact]
    public void Every_structural_code_has_a_bad_file_the_schema_is_checked_against()
    {
        // Act
        var covered = StructurallyBad().SelectMany(f => Corpus.Corpus.Header(f).Expected.Select(e => e.Code)).ToHashSet(StringComparer.Ordinal);

        // Assert
        Assert.Empty(Structural.Except(covered));
    }

    private static IEnumerable<string> StructurallyBad() =>
        Corpus.Corpus.BadFiles.Select(Corpus.Corpus.PathOf)
            .Where(f => Corpus.Corpus.Header(f).Expected is var e && e.Count > 0 && e.All(x => Structural.Contains(x.Code)));
}
