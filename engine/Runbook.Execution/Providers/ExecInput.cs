using System.Text;
using Runbook.Execution.Actions;
using Runbook.Execution.Actions.Files;

namespace Runbook.Execution.Providers;

/// <summary>What service.exec writes to the command's standard input: nothing, the stdin text, or a stdin_file's bytes.</summary>
public sealed record ExecInput(byte[]? Bytes, string? Refusal)
{
    /// <summary>stdin_file may be binary (a dump, an archive); larger inputs belong on a volume, not in a pipe through the engine.</summary>
    public const int MaxFileBytes = 64 * 1024 * 1024;

    /// <summary>The input the invocation asks for, read from inside the playbook's folder; a refusal names the argument and the fix.</summary>
    public static ExecInput From(StepInvocation invocation)
    {
        var text = invocation.GetString("stdin");
        var file = invocation.GetString("stdin_file");
        if (text is not null && file is not null)
        {
            return new(null, $"{invocation.ActionName}: give stdin or stdin_file, not both");
        }

        if (text is not null)
        {
            return new(Encoding.UTF8.GetBytes(text), null);
        }

        if (file is null)
        {
            return new(null, null);
        }

        try
        {
            return new(ContainedFile.ReadBytes(file, [invocation.Context.WorkingDirectory], "stdin_file", MaxFileBytes).Bytes, null);
        }
        catch (ContainedFileException ex)
        {
            return new(null, $"{invocation.ActionName}: {ex.Message}");
        }
    }
}
