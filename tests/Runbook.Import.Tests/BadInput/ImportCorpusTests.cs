using System.Text;
using Runbook.Import.Tests.Support;
using Runbook.Language.Diagnostics;
using Runbook.Tests;

namespace Runbook.Import.Tests.BadInput;

/// <summary>Markdown that is not a runbook the importer can read: a clear error with file:line:col, a stable code and the fix.</summary>
public sealed class ImportCorpusTests
{
    private static readonly string Folder = Path.Combine(RunbookBinary.RepoRoot(), "tests", "corpus", "bad", "import");

    /// <summary>Codes no committed file can show: odd bytes, sizes and folders, each made by a test below or in DraftWriterTests.</summary>
    private static readonly string[] Generated = ["RB0400", "RB0401", "RB0402", "RB0408", "RB0409", "RB0410", "RB0411"];

    public static TheoryData<string, string, int, int> Cases()
    {
        var data = new TheoryData<string, string, int, int>();
        foreach (var line in File.ReadAllLines(Path.Combine(Folder, "expect.txt")).Where(l => l.Length > 0))
        {
            var parts = line.Split(' ');
            var position = parts[2].Split(':');
            data.Add(parts[0], parts[1], int.Parse(position[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(position[1], System.Globalization.CultureInfo.InvariantCulture));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_bad_corpus_runbook_reports_its_code_at_its_line_and_column_with_a_fix(string file, string code, int line, int column)
    {
        // Act
        var result = Drafts.Import(File.ReadAllBytes(Path.Combine(Folder, file)), name: file);

        // Assert
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal((code, line, column), (diagnostic.Code, diagnostic.Span.Line, diagnostic.Span.Column));
        Assert.Equal(file, diagnostic.Span.Path);
        Assert.False(string.IsNullOrWhiteSpace(diagnostic.Fix));
        Assert.Equal(diagnostic.IsError, result.Drafts.IsEmpty);
    }

    [Fact]
    public void Every_import_code_has_a_corpus_file_or_a_test_that_makes_its_input()
    {
        // Arrange
        var covered = Cases().Select(row => (string)row[1]).ToHashSet(StringComparer.Ordinal);

        // Act
        var missing = Descriptors.All.Select(d => d.Code).Where(c => c.StartsWith("RB04", StringComparison.Ordinal))
            .Except(Generated).Where(c => !covered.Contains(c)).ToList();

        // Assert
        Assert.Empty(missing);
        Assert.All(Directory.GetFiles(Folder, "RB04*.md"), f => Assert.Contains(Path.GetFileName(f), Cases().Select(row => (string)row[0])));
    }

    [Fact]
    public void A_runbook_with_a_NUL_byte_is_refused_as_binary_at_the_byte()
    {
        // Act
        var result = Drafts.Import([.. "# Title\nab"u8, 0, .. "c"u8]);

        // Assert
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(("RB0401", 2, 3), (diagnostic.Code, diagnostic.Span.Line, diagnostic.Span.Column));
        Assert.Empty(result.Drafts);
    }

    [Fact]
    public void A_runbook_in_a_legacy_code_page_is_refused_at_the_first_byte_that_is_not_UTF8_with_the_iconv_fix()
    {
        // Act
        var result = Drafts.Import([.. "# Caf"u8, 0xE9, .. "\n"u8]);

        // Assert
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(("RB0402", 1, 6), (diagnostic.Code, diagnostic.Span.Line, diagnostic.Span.Column));
        Assert.Contains("iconv", diagnostic.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mis_encoded_character_that_lost_a_byte_in_a_command_is_refused_there()
    {
        // Arrange: '┐' is E2 94 90; Windows-1252 has no character for 0x90, so converters drop it.
        var markdown = "# Ops âœ…\n\n## Fix\n\n```bash\necho 'â”'\n```\n";

        // Act
        var result = Drafts.Import(markdown);

        // Assert
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(("RB0407", 6, 7), (diagnostic.Code, diagnostic.Span.Line, diagnostic.Span.Column));
        Assert.Empty(result.Drafts);
    }

    [Fact]
    public void A_mis_encoded_character_that_lost_a_byte_outside_commands_is_repaired_with_a_warning_naming_its_line()
    {
        // Act
        var result = Drafts.Import("# Ops âœ…\n\n```\nâ”\n```\n\n## Fix\n\n```bash\nls\n```\n");

        // Assert
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("RB0406", diagnostic.Code);
        Assert.Contains("line 4", diagnostic.Message, StringComparison.Ordinal);
        Assert.Single(result.Drafts);
    }

    [Fact]
    public void A_runbook_over_four_mebibytes_is_refused_before_it_is_read()
    {
        // Arrange
        var path = Path.Combine(Path.GetTempPath(), "runbook-import-" + Path.GetRandomFileName() + ".md");
        using (var stream = File.Create(path))
        {
            stream.SetLength(5L * 1024 * 1024);
        }

        try
        {
            // Act
            var result = Importer.ImportFile(path, Drafts.Catalog, new ImportOptions("drafts"));

            // Assert
            Assert.Equal("RB0411", Assert.Single(result.Diagnostics).Code);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_runbook_that_does_not_exist_is_reported_as_unreadable()
    {
        // Act
        var result = Importer.ImportFile(Path.Combine(Path.GetTempPath(), "no-such-" + Path.GetRandomFileName(), "runbook.md"), Drafts.Catalog, new ImportOptions("drafts"));

        // Assert
        Assert.Equal("RB0400", Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void A_repaired_runbook_gives_the_drafts_its_original_gives()
    {
        // Arrange
        const string original = "# Ops 📋\n\n## Restart ✅\n\n```bash\n# Restart — carefully\nkubectl rollout restart deployment/api\n```\n";
        var garbled = Garble(original);

        // Act
        var repaired = Drafts.Import(garbled);
        var clean = Drafts.Import(original);

        // Assert
        Assert.Equal("RB0406", Assert.Single(repaired.Diagnostics).Code);
        Assert.Equal(clean.Drafts.Select(d => d.Yaml), repaired.Drafts.Select(d => d.Yaml));
    }

    /// <summary>UTF-8 bytes read back one byte per character through Windows-1252, as an editor with the wrong encoding does.</summary>
    private static string Garble(string text)
    {
        const string high = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ";
        var result = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            result.Append(b is >= 0x80 and <= 0x9F ? high[b - 0x80] : (char)b);
        }

        return result.ToString();
    }
}
