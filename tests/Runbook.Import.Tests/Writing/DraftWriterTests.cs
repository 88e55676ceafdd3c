using Runbook.Import.Tests.Support;

namespace Runbook.Import.Tests.Writing;

public sealed class DraftWriterTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "runbook-import-" + Path.GetRandomFileName());

    private static readonly IReadOnlyList<DraftPlaybook> TwoDrafts =
        Drafts.Import("## One\n\n```bash\nls\n```\n\n## Two\n\n```bash\nkubectl rollout restart deployment/api\n```\n").Drafts;

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void Drafts_are_written_into_a_folder_it_creates_and_nothing_else_is_left_there()
    {
        // Act
        var (written, problems) = DraftWriter.Write(TwoDrafts, _folder, force: false);

        // Assert
        Assert.Empty(problems);
        Assert.Equal(["one.yaml", "two.yaml"], Directory.GetFiles(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(TwoDrafts[0].Yaml, File.ReadAllText(written[0]));
    }

    [Fact]
    public void An_existing_file_is_never_overwritten_without_force_and_then_no_draft_is_written()
    {
        // Arrange
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Path.Combine(_folder, "two.yaml"), "mine");

        // Act
        var (written, problems) = DraftWriter.Write(TwoDrafts, _folder, force: false);

        // Assert
        Assert.Empty(written);
        var problem = Assert.Single(problems);
        Assert.Equal("RB0408", problem.Code);
        Assert.Contains("--force", problem.Fix, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(_folder, "two.yaml")));
        Assert.False(File.Exists(Path.Combine(_folder, "one.yaml")));
    }

    [Fact]
    public void Force_replaces_an_existing_file_whole()
    {
        // Arrange
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Path.Combine(_folder, "two.yaml"), new string('x', 100_000));

        // Act
        var (_, problems) = DraftWriter.Write(TwoDrafts, _folder, force: true);

        // Assert
        Assert.Empty(problems);
        Assert.Equal(TwoDrafts[1].Yaml, File.ReadAllText(Path.Combine(_folder, "two.yaml")));
        Assert.Equal(2, Directory.GetFiles(_folder).Length);
    }

    [Fact]
    public void A_folder_that_cannot_be_made_is_reported_with_a_code_and_the_fix()
    {
        // Arrange: a file where the folder should be.
        Directory.CreateDirectory(_folder);
        var blocked = Path.Combine(_folder, "file");
        File.WriteAllText(blocked, "x");

        // Act
        var (written, problems) = DraftWriter.Write(TwoDrafts, Path.Combine(blocked, "drafts"), force: false);

        // Assert
        Assert.Empty(written);
        Assert.Equal("RB0409", Assert.Single(problems).Code);
    }
}
