using System.Runtime.InteropServices;

namespace Runbook.Execution.Actions.Shell;

/// <summary>Signals a whole process group: a step's script and everything it started.</summary>
internal static partial class ProcessGroup
{
    private const int SigInt = 2;
    private const int SigKill = 9;

    /// <summary>Asks the group to stop, as Ctrl-C would.</summary>
    public static void Interrupt(int groupId) => _ = Kill(-groupId, SigInt);

    /// <summary>Ends every process in the group at once.</summary>
    public static void KillAll(int groupId) => _ = Kill(-groupId, SigKill);

    /// <summary>True while any process of the group is alive.</summary>
    public static bool IsAlive(int groupId) => Kill(-groupId, 0) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
