using System.Collections.Immutable;
using System.Text;
using Runbook.Language.Diagnostics;
using Runbook.Language.Text;

namespace Runbook.Import;

/// <summary>
/// Writes drafts into a folder: never over an existing file unless forced, each file atomically (written beside its
/// place under a temporary name, then renamed), so a reader sees either no draft or a whole one.
/// </summary>
public static class DraftWriter
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes every draft, or none when one would overwrite a file and <paramref name="force"/> is false. Returns the paths written and the problems.</summary>
    public static (ImmutableArray<string> Written, ImmutableArray<Diagnostic> Problems) Write(IReadOnlyList<DraftPlaybook> drafts, string directory, bool force)
    {
        var problems = new DiagnosticBag();
        var targets = drafts.Select(d => (Draft: d, Path: Path.Combine(directory, d.FileName))).ToList();
        if (!force)
        {
            foreach (var (_, path) in targets.Where(t => File.Exists(t.Path) || Directory.Exists(t.Path)))
            {
                problems.Add(Descriptors.ImportOutputExists, SourceSpan.None(path), $"{path} already exists; no draft was written",
                    "choose another folder with --out, or pass --force to replace the existing files");
            }

            if (problems.HasErrors)
            {
                return ([], [.. problems.Items]);
            }
        }

        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problems.Add(Descriptors.ImportOutputUnwritable, SourceSpan.None(directory), $"cannot create the folder: {ex.Message}", "choose a folder you can write to with --out");
            return ([], [.. problems.Items]);
        }

        var written = ImmutableArray.CreateBuilder<string>();
        foreach (var (draft, path) in targets)
        {
            var temporary = Path.Combine(directory, "." + draft.FileName + "." + Path.GetRandomFileName() + ".tmp");
            try
            {
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
                {
                    stream.Write(Utf8.GetBytes(draft.Yaml));
                    stream.Flush(flushToDisk: true);
                }

                File.Move(temporary, path, overwrite: force);
                written.Add(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                TryDelete(temporary);
                var exists = !force && File.Exists(path);
                problems.Add(exists ? Descriptors.ImportOutputExists : Descriptors.ImportOutputUnwritable, SourceSpan.None(path),
                    exists ? $"{path} appeared while importing; it was left as it is" : $"cannot write the draft: {ex.Message}",
                    exists ? "choose another folder with --out, or pass --force to replace it" : "choose a folder you can write to with --out");
            }
        }

        return (written.ToImmutable(), [.. problems.Items]);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do: the temporary file's name says what it is.
        }
    }
}
