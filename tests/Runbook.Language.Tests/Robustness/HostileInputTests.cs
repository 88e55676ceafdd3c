using System.Text;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;

namespace Runbook.Language.Tests.Robustness;

/// <summary>Bad input never crashes the loader: each case ends in one clear diagnostic at the right place.</summary>
public sealed class HostileInputTests : IDisposable
{
    private const string Header = "apiVersion: runbook/v1\nkind: Playbook\nname: hostile\n";

    private const string Valid = Header + "phases:\n  assess:\n    - id: uptime\n      run: uptime\n      mutates: false\n";

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static LoadedPlaybook LoadFile(string path) => PlaybookLoader.LoadFile(path, ActionCatalog.Create([]));

    private static (string Code, int Line, int Column) Only(LoadedPlaybook loaded)
    {
        var d = Assert.Single(loaded.Diagnostics);
        return (d.Code, d.Span.Line, d.Span.Column);
    }

    [Fact]
    public void A_missing_file_is_reported_as_unreadable()
    {
        // Act
        var loaded = LoadFile(Path.Combine(_folder.Path, "nowhere.yaml"));

        // Assert
        Assert.Equal(("RB0001", 1, 1), Only(loaded));
    }

    [Fact]
    public void An_empty_file_is_reported_as_empty()
    {
        // Arrange
        var path = _folder.Write("empty.yaml", []);

        // Act
        var loaded = LoadFile(path);

        // Assert
        Assert.Equal(("RB0005", 1, 1), Only(loaded));
    }

    [Fact]
    public void A_file_of_blank_lines_is_reported_as_empty()
    {
        // Arrange
        var path = _folder.Write("blank.yaml", "\n   \n\n");

        // Act
        var loaded = LoadFile(path);

        // Assert
        Assert.Equal(("RB0005", 1, 1), Only(loaded));
    }

    [Fact]
    public void A_file_with_NUL_bytes_is_reported_as_binary_at_the_first_NUL()
    {
        // Arrange
        byte[] bytes = [.. Encoding.UTF8.GetBytes("apiVersion: runbook/v1\nkind: "), 0, 0, 0x7F, 0x45, 0x4C, 0x46];
        var path = _folder.Write("binary.yaml", bytes);

        // Act
        var loaded = LoadFile(path);

        // Assert
        Assert.Equal(("RB0002", 2, 7), Only(loaded));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_UTF16_file_with_a_byte_order_mark_loads_like_UTF8(bool bigEndian)
    {
        // Arrange
        var encoding = new UnicodeEncoding(bigEndian, byteOrderMark: true);
        var path = _folder.Write("utf16.yaml", [.. encoding.GetPreamble(), .. encoding.GetBytes(Valid)]);

        // Act
        var loaded = LoadFile(path);

        // Assert
        Assert.Empty(loaded.Diagnostics);
        Assert.True(loaded.IsValid);
    }

    [Fact]
    public void A_UTF16_file_with_a_broken_surrogate_is_reported_as_invalid_encoding()
    {
        // Arrange
        var encoding = new UnicodeEncoding(bigEndian: false, byteOrderMark: true);
        byte[] bytes = [.. encoding.GetPreamble(), .. encoding.GetBytes(Header), 0x00, 0xD8, 0x41, 0x00];
        var path = _folder.Write("utf16-broken.yaml", bytes);

        // Act
        var loaded = LoadFile(path);

        // Assert
        Assert.Equal(("RB0003", 1, 1), Only(loaded));
    }

    [Fact]
    public void UTF8_text_saved_again_as_cp1252_is_reported_where_the_mojibake_starts()
    {
        // Arrange: "📋" read as Windows-1252 becomes four characters, then saved as UTF-8.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var garbled = Encoding.GetEncoding(1252).GetString(Encoding.UTF8.GetBytes("📋"));
        var path = _folder.Write("mojibake.yaml", Valid.Replace("name: hostile", $"name: hostile\ndescription: Checklist {garbled} here", StringComparison.Ordinal));

        // Act
        var loaded = LoadFile(path);

        // Assert
        Assert.Equal("ðŸ“‹", garbled);
        Assert.Equal(("RB0004", 4, 24), Only(loaded));
        Assert.Equal(DiagnosticSeverity.Warning, loaded.Diagnostics[0].Severity);
        Assert.True(loaded.IsValid);
    }

    [Fact]
    public void A_raw_cp1252_byte_is_reported_as_invalid_UTF8_at_its_line_and_column()
    {
        // Arrange: "café" written by a Windows-1252 editor: é is the single byte 0xE9.
        byte[] bytes = [.. Encoding.UTF8.GetBytes(Header + "description: caf"), 0xE9, .. Encoding.UTF8.GetBytes("\nphases: {}\n")];
        var path = _folder.Write("latin1.yaml", bytes);

        // Act
        var loaded = LoadFile(path);

        // Assert
        Assert.Equal(("RB0003", 4, 17), Only(loaded));
    }

    [Fact]
    public void A_tab_in_the_indentation_is_reported_at_the_tab()
    {
        // Arrange
        var path = _folder.Write("tabs.yaml", Valid.Replace("      mutates", "    \tmutates", StringComparison.Ordinal));

        // Act
        var loaded = LoadFile(path);

        // Assert
        Assert.Equal(("RB0007", 8, 5), Only(loaded));
    }

    [Fact]
    public void A_duplicate_key_is_reported_at_the_second_occurrence()
    {
        // Arrange
        var path = _folder.Write("duplicate.yaml", Valid.Replace("kind: Playbook\n", "kind: Playbook\nkind: Playbook\n", StringComparison.Ordinal));

        // Act
        var loaded = LoadFile(path);

        // Assert
        Assert.Equal(("RB0008", 3, 1), Only(loaded));
    }

    [Fact]
    public void A_billion_laughs_file_stops_at_the_alias_expansion_limit()
    {
        // Arrange: nine levels of ten aliases each would expand to 10^9 nodes.
        var text = new StringBuilder(Header).Append("labels:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i <= 9; i++)
        {
            text.Append($"  l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n");
        }

        var path = _folder.Write("laughs.yaml", text.Append("phases: {}\n").ToString());

        // Act
        var loaded = LoadFile(path);

        // Assert
        Assert.Equal("RB0009", Only(loaded).Code);
        Assert.Null(loaded.Playbook);
    }

    [Fact]
    public void A_10_MB_file_is_rejected_by_its_size_without_being_read()
    {
        // Arrange: a sparse 10 MB file, held open exclusively so that any attempt to read it would fail as RB0001.
        var path = Path.Combine(_folder.Path, "huge.yaml");
        using var handle = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        handle.SetLength(10 * 1024 * 1024);
        handle.Flush();
        Assert.Throws<IOException>(() => File.ReadAllBytes(path));

        // Act
        var loaded = LoadFile(path);

        // Assert
        Assert.Equal(("RB0011", 1, 1), Only(loaded));
        Assert.Contains("10.0 MiB", loaded.Diagnostics[0].Message, StringComparison.Ordinal);
        Assert.Null(loaded.Source);
    }

    [Fact]
    public void Ten_thousand_steps_load_and_a_fault_in_the_last_is_reported()
    {
        // Arrange: one long sequential phase; the last step needs a step that does not exist.
        const int count = 10_000;
        var text = new StringBuilder(Header).Append("phases:\n  assess:\n");
        for (var i = 0; i < count; i++)
        {
            text.Append($"    - id: step_{i}\n      uses: notify.console\n      with: {{ text: step {i} }}\n");
        }

        text.Append("      needs: nowhere\n");
        var path = _folder.Write("many.yaml", text.ToString());

        // Act
        var loaded = LoadFile(path);

        // Assert
        Assert.Equal(("RB0107", 6 + (count * 3), 14), Only(loaded));
        Assert.Equal(count, loaded.Playbook!.Steps.Count());
        Assert.Equal(count, loaded.Graph!.ExecutionOrder.Length);
    }

    [Fact]
    public void The_longest_chain_of_steps_that_fits_in_a_file_is_checked_without_overflowing_the_stack()
    {
        // Arrange: as many one-line steps as the size limit allows, in one sequential phase.
        var text = new StringBuilder(Header).Append("phases:\n  assess:\n");
        var count = 0;
        while (text.Length < 4_000_000)
        {
            text.Append($"  - {{ id: s{count++}, run: x, mutates: false }}\n");
        }

        var path = _folder.Write("chain.yaml", text.ToString().Replace("  - {", "    - {", StringComparison.Ordinal));

        // Act
        var loaded = LoadFile(path);

        // Assert
        Assert.Empty(loaded.Diagnostics);
        Assert.Equal(count, loaded.Graph!.ExecutionOrder.Length);
    }

    [Theory]
    [InlineData("[", "]")]
    [InlineData("{a: ", "}")]
    public void Flow_collections_nested_ten_thousand_deep_are_reported_without_overflowing_the_stack(string open, string close)
    {
        // Arrange
        const int depth = 10_000;
        var nested = string.Concat(Enumerable.Repeat(open, depth)) + string.Concat(Enumerable.Repeat(close, depth));
        var path = _folder.Write("deep.yaml", Header + "labels: { deep: " + nested + " }\nphases: {}\n");

        // Act
        var loaded = LoadFile(path);

        // Assert
        Assert.Equal("RB0010", Only(loaded).Code);
        Assert.Equal(4, loaded.Diagnostics[0].Span.Line);
    }

    [Fact]
    public void Block_mappings_nested_a_thousand_deep_are_reported_without_overflowing_the_stack()
    {
        // Arrange
        var text = new StringBuilder(Header).Append("labels:\n");
        for (var i = 1; i <= 1_000; i++)
        {
            text.Append(' ', i).Append("k:\n");
        }

        var path = _folder.Write("deep-block.yaml", text.Append("phases: {}\n").ToString());

        // Act
        var loaded = LoadFile(path);

        // Assert
        Assert.Equal("RB0010", Only(loaded).Code);
    }

    [Fact]
    public void A_folder_of_a_thousand_playbooks_loads_one_after_another()
    {
        // Arrange
        for (var i = 0; i < 1_000; i++)
        {
            _folder.Write($"p{i:D4}.yaml", Valid.Replace("name: hostile", $"name: playbook-{i}", StringComparison.Ordinal)
                .Replace("id: uptime", $"id: uptime_{i}", StringComparison.Ordinal));
        }

        // Act
        var loaded = Directory.EnumerateFiles(_folder.Path, "*.yaml").Select(LoadFile).ToList();

        // Assert
        Assert.Equal(1_000, loaded.Count);
        Assert.All(loaded, l => Assert.True(l.IsValid, string.Join("\n", l.Diagnostics)));
    }
}
