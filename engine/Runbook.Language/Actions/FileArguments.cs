namespace Runbook.Language.Actions;

/// <summary>
/// The rules for a file an action argument names, as far as the text alone can tell: relative, no <c>..</c>, no
/// control characters, a sane length. The executor applies them again to computed values and then checks the real
/// path of the file it opened (symlinks resolved) against the allowed folders.
/// </summary>
public static class FileArguments
{
    /// <summary>Longer names are refused outright (Linux's PATH_MAX is 4096; no playbook needs a quarter of it).</summary>
    public const int MaxLength = 1024;

    /// <summary>Why the name cannot be a file inside the playbook's folder; null when the text is acceptable.</summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0)
        {
            return "the file name is empty";
        }

        if (name.Length > MaxLength)
        {
            return $"the file name is longer than {MaxLength} characters";
        }

        if (name.Any(char.IsControl))
        {
            return "the file name contains a control character (NUL, newline, …)";
        }

        if (name[0] is '/' or '\\' or '~' || Path.IsPathRooted(name) || (name.Length > 1 && name[1] == ':'))
        {
            return "an absolute path reaches outside the playbook's folder";
        }

        if (name.Split('/', '\\').Any(part => part == ".."))
        {
            return "'..' leaves the playbook's folder";
        }

        return null;
    }
}
