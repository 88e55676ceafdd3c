using Runbook.Tests;

namespace Runbook.Import.Tests.Reference;

/// <summary>
/// The real teams' runbooks in ../shared/reference-runbooks (beside the checkout, or above a worktree's folder, or
/// RUNBOOK_REFERENCE_RUNBOOKS). They are the acceptance data; a test that needs them fails when they are missing.
/// </summary>
internal static class ReferenceRunbooks
{
    public static string Path(string file)
    {
        var configured = Environment.GetEnvironmentVariable("RUNBOOK_REFERENCE_RUNBOOKS");
        var candidates = new List<string>();
        if (!string.IsNullOrEmpty(configured))
        {
            candidates.Add(configured);
        }

        for (var dir = new DirectoryInfo(RunbookBinary.RepoRoot()).Parent; dir is not null; dir = dir.Parent)
        {
            candidates.Add(System.IO.Path.Combine(dir.FullName, "shared", "reference-runbooks"));
        }

        var folder = candidates.FirstOrDefault(Directory.Exists);
        if (folder is null)
        {
            TestDependency.Missing("The reference runbooks", "no shared/reference-runbooks folder beside or above the checkout",
                "export RUNBOOK_REFERENCE_RUNBOOKS=/path/to/shared/reference-runbooks");
        }

        return System.IO.Path.Combine(folder, file);
    }
}
