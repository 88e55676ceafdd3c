namespace Runbook.Cli.Tests.Support;

internal static class Repo
{
    /// <summary>The repository root, found by walking up to RunbookEngine.sln.</summary>
    public static string Root { get; } = Find();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RunbookEngine.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("RunbookEngine.sln not found above the test binaries");
    }
}
