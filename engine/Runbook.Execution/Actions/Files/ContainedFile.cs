using System.Text;
using Microsoft.Win32.SafeHandles;
using Runbook.Language.Actions;

namespace Runbook.Execution.Actions.Files;

/// <summary>A file an argument named could not be read from inside the allowed folders; the message says why.</summary>
public sealed class ContainedFileException(string message) : Exception(message);

/// <summary>
/// Reads a file an action argument names (a notify template, a sub-playbook) only from inside the allowed folders.
/// The name must pass <see cref="FileArguments.Problem"/> (relative, no <c>..</c>, no control characters); the file is
/// then opened once, and the real path of the opened file (every symlink resolved, by the kernel where it can say)
/// must lie inside the real path of the folder it was looked up in. The bytes come from that same handle, so
/// nothing can swap the file between the check and the read.
/// </summary>
public static class ContainedFile
{
    /// <summary>Larger files are refused: a template or a playbook is text a person wrote.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <summary>The text of <paramref name="name"/> from the first folder of <paramref name="folders"/> that has it.</summary>
    public static (string Text, string Path) ReadText(string name, IReadOnlyList<string> folders, string what)
    {
        var (bytes, path) = ReadBytes(name, folders, what, MaxBytes);
        try
        {
            return (new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes), path);
        }
        catch (DecoderFallbackException)
        {
            throw new ContainedFileException($"{what} '{Shown(name)}' is not UTF-8 text");
        }
    }

    /// <summary>The bytes of <paramref name="name"/>, as they are (a stdin_file), under the same rules as <see cref="ReadText"/>.</summary>
    public static (byte[] Bytes, string Path) ReadBytes(string name, IReadOnlyList<string> folders, string what, int maxBytes)
    {
        if (FileArguments.Problem(name) is { } problem)
        {
            throw new ContainedFileException($"{what} '{Shown(name)}' is refused: {problem}");
        }

        foreach (var folder in folders)
        {
            var realFolder = RealPath(folder);
            var candidate = System.IO.Path.Combine(realFolder, name);
            if (!Exists(candidate))
            {
                continue;
            }

            using var handle = Open(candidate, what, name);
            var opened = OpenedPath(handle) ?? RealPath(candidate);
            if (!IsInside(opened, realFolder))
            {
                throw new ContainedFileException(
                    $"{what} '{Shown(name)}' is refused: it resolves to {opened}, outside {realFolder} (a symlink leads out of the folder)");
            }

            return (Read(handle, what, name, maxBytes), opened);
        }

        throw new ContainedFileException($"{what} '{Shown(name)}' does not exist in {string.Join(" or ", folders)}");
    }

    /// <summary>The path with every symlink resolved, component by component (realpath(3) for .NET).</summary>
    public static string RealPath(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var root = System.IO.Path.GetPathRoot(full) ?? "/";
        var current = root;
        foreach (var part in full[root.Length..].Split(System.IO.Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = System.IO.Path.Combine(current, part);
            var info = new FileInfo(next);
            if (info.LinkTarget is not null)
            {
                // The final target may itself sit under symlinked folders: resolve it again. A loop throws IOException.
                next = info.ResolveLinkTarget(returnFinalTarget: true) is { } target ? RealPath(target.FullName) : next;
            }

            current = next;
        }

        return current;
    }

    private static bool Exists(string path)
    {
        try
        {
            return File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;
        }
        catch (IOException)
        {
            return true; // let opening it report what is wrong
        }
    }

    private static SafeFileHandle Open(string candidate, string what, string name)
    {
        // A FIFO or device would block or never end: only a regular file (as far as a look before opening can tell).
        if (Directory.Exists(candidate))
        {
            throw new ContainedFileException($"{what} '{Shown(name)}' is a folder, not a file");
        }

        try
        {
            var handle = File.OpenHandle(candidate, FileMode.Open, FileAccess.Read, FileShare.Read);
            if ((File.GetAttributes(handle) & (FileAttributes.Directory | FileAttributes.Device)) != 0)
            {
                handle.Dispose();
                throw new ContainedFileException($"{what} '{Shown(name)}' is not a regular file");
            }

            return handle;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ContainedFileException($"{what} '{Shown(name)}' cannot be read: {ex.Message}");
        }
    }

    /// <summary>Where the kernel says the opened file is (Linux: /proc/self/fd); null where it cannot say.</summary>
    private static string? OpenedPath(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var link = $"/proc/self/fd/{handle.DangerousGetHandle()}";
        try
        {
            return new FileInfo(link).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsInside(string path, string folder)
    {
        var prefix = folder.EndsWith(System.IO.Path.DirectorySeparatorChar) ? folder : folder + System.IO.Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal);
    }

    private static byte[] Read(SafeFileHandle handle, string what, string name, int maxBytes)
    {
        // Read until the end or one byte past the limit, whatever size the file claims (it may grow while read).
        using var bytes = new MemoryStream();
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while (total <= maxBytes && (read = RandomAccess.Read(handle, buffer, total)) > 0)
        {
            bytes.Write(buffer, 0, read);
            total += read;
        }

        if (total > maxBytes)
        {
            throw new ContainedFileException($"{what} '{Shown(name)}' is larger than {maxBytes / (1024 * 1024)} MB");
        }

        return bytes.ToArray();
    }

    /// <summary>The name as a message can show it: control characters escaped, length bounded.</summary>
    private static string Shown(string name)
    {
        var escaped = string.Concat(name.Take(120).Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));
        return name.Length > 120 ? escaped + "…" : escaped;
    }
}
