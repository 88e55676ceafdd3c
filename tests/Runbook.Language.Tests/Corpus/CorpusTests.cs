using System.Collections.Immutable;
using Runbook.Language.Diagnostics;

namespace Runbook.Language.Tests.Corpus;

public sealed class CorpusTests
{
    /// <summary>Codes no YAML text can produce; the robustness tests generate their bytes or paths instead.</summary>
    private static readonly string[] GeneratedInTests = ["RB0001", "RB0002", "RB0003", "RB0011"];

    /// <summary>Catalogued codes that nothing reports yet; remove one from here when its rule lands.</summary>
    private static readonly string[] NotYetReported = [];

    public static TheoryData<string> GoodFiles => [.. Corpus.GoodFiles];

    public static TheoryData<string> BadFiles => [.. Corpus.BadFiles];

    [Theory]
    [MemberData(nameof(GoodFiles))]
    public void A_good_corpus_playbook_loads_without_any_diagnostic(string file)
    {
        // Act
        var loaded = Corpus.Load(file);

        // Assert
        Assert.Empty(loaded.Diagnostics.Select(d => d.ToString()));
        Assert.True(loaded.IsValid);
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void A_bad_corpus_playbook_reports_exactly_the_diagnostics_it_declares(string file)
    {
        // Arrange
        var (expected, _) = Corpus.Header(Corpus.PathOf(file));
        Assert.NotEmpty(expected);

        // Act
        var loaded = Corpus.Load(file);
        var actual = loaded.Diagnostics.Select(d => new Expectation(d.Code, d.Span.Line, d.Span.Column)).ToImmutableHashSet();

        // Assert
        Assert.True(expected.SetEquals(actual),
            $"expected [{string.Join(", ", expected.OrderBy(e => e.ToString(), StringComparer.Ordinal))}]\nactual:\n{string.Join("\n", loaded.Diagnostics)}");
    }

    [Fact]
    public void Every_code_the_loader_reports_from_text_has_a_bad_corpus_file()
    {
        // Arrange
        var covered = Corpus.BadFiles
            .SelectMany(f => Corpus.Header(Corpus.PathOf(f)).Expected.Select(e => e.Code))
            .ToHashSet(StringComparer.Ordinal);

        // Act
        var missing = Descriptors.All.Select(d => d.Code)
            .Where(c => !c.StartsWith("RB02", StringComparison.Ordinal))
            // Import codes are about markdown, not playbooks: tests/corpus/bad/import and Runbook.Import.Tests cover them.
            .Where(c => !c.StartsWith("RB04", StringComparison.Ordinal))
            .Except(GeneratedInTests).Except(NotYetReported)
            .Where(c => !covered.Contains(c))
            .ToList();

        // Assert
        Assert.Empty(missing);
    }

    [Fact]
    public void Each_bad_corpus_file_is_named_after_the_code_it_is_about()
    {
        // Act
        var misnamed = Corpus.BadFiles
            .Where(f => !Corpus.Header(Corpus.PathOf(f)).Expected.Any(e => Path.GetFileName(f).StartsWith(e.Code, StringComparison.Ordinal)))
            .ToList();

        // Assert
        Assert.Empty(misnamed);
    }
}
