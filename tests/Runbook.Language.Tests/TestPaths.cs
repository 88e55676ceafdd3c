namespace Runbook.Language.Tests;

internal static class TestPaths
{
    /// <summary>The repository root, found by walking up to RunbookEngine.sln.</summary>
    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RunbookEngine.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("RunbookEngine.sln not found above the test binaries");
    }
}
