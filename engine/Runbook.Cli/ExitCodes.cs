namespace Runbook.Cli;

/// <summary>The documented exit codes (README and docs/exit-codes in the language reference).</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>validate: warnings with --warnings-as-errors. exec: failed and rolled back cleanly.</summary>
    public const int Failed = 1;

    /// <summary>Invalid playbook, inputs or usage.</summary>
    public const int Invalid = 2;

    /// <summary>A bug in runbook itself; the message asks for a report.</summary>
    public const int InternalError = 70;
}
