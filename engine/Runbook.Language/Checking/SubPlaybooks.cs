using Runbook.Language.Actions;
using Runbook.Language.Binding;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;
using Runbook.Language.Text;
using Runbook.Language.Yaml;

namespace Runbook.Language.Checking;

/// <summary>
/// Reads the playbook a <c>playbook.run</c> step names by a literal path, as far as the checker needs it: bound, not
/// checked, its own sub-playbooks not followed (so a cycle of playbooks cannot loop). Only files inside the parent's
/// folder are read, under the rules of <see cref="FileArguments"/>; anything else reads as unknown, and the executor
/// reports it when the step runs.
/// </summary>
internal static class SubPlaybooks
{
    public static Func<string, Playbook?> Reader(string parentPath, ActionCatalog catalog) => relative =>
    {
        if (FileArguments.Problem(relative) is not null)
        {
            return null;
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(parentPath)) ?? ".";
        var full = Path.GetFullPath(Path.Combine(folder, relative));
        if (!full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return null;
        }

        byte[] bytes;
        try
        {
            var info = new FileInfo(full);
            if (!info.Exists || info.Length > SourceDecoder.MaxFileBytes)
            {
                return null;
            }

            bytes = File.ReadAllBytes(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var ignored = new DiagnosticBag(); // the child's own problems are reported when it is validated itself
        var source = SourceDecoder.Decode(full, bytes, ignored);
        var root = source is null ? null : YamlLoader.Load(source, ignored);
        return root is null ? null : PlaybookBinder.Bind(root, full, catalog, ignored);
    };
}
