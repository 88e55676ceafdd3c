using System.Runtime.InteropServices;

namespace Runbook.Execution.Actions.Shell;

/// <summary>
/// The few libc calls a step's process needs (Linux, glibc 2.29 or later; kernel 5.3 or later for pidfd_open).
/// The spawn types are opaque to us: they are allocated larger than glibc's (80, 336 and 128 bytes on x64 and arm64)
/// and only ever touched through libc's own functions.
/// </summary>
internal static unsafe partial class PosixSpawn
{
    public const int SpawnSetSigDef = 0x04;
    public const int SpawnSetSigMask = 0x08;
    public const int SpawnSetSid = 0x80;
    public const int OpenReadOnly = 0;
    public const int OpenCloseOnExec = 0x80000;
    public const int NonBlocking = 0x800;
    public const int WaitNoHang = 1;
    public const int PollIn = 1;
    public const int ErrorInterrupted = 4;
    public const int ErrorNoChild = 10;

    /// <summary>Bytes reserved for posix_spawn_file_actions_t, posix_spawnattr_t and sigset_t (each larger in glibc's ABI).</summary>
    public const int OpaqueSize = 512;

    // pidfd_open has one number on every architecture (the generic syscall table); glibc wraps it only from 2.36.
    private const long SysPidfdOpen = 434;

    [LibraryImport("libc", EntryPoint = "posix_spawn")]
    public static partial int Spawn(out int pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    public static partial int FileActionsInit(void* fileActions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    public static partial int FileActionsDestroy(void* fileActions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    public static partial int FileActionsAddDup2(void* fileActions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addopen", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FileActionsAddOpen(void* fileActions, int fd, string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addchdir_np", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FileActionsAddChdir(void* fileActions, string path);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    public static partial int AttributesInit(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    public static partial int AttributesDestroy(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    public static partial int AttributesSetFlags(void* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    public static partial int AttributesSetSignalMask(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    public static partial int AttributesSetSignalDefault(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    public static partial int SignalSetEmpty(void* signals);

    [LibraryImport("libc", EntryPoint = "sigfillset")]
    public static partial int SignalSetFill(void* signals);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, out int status, int options);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "read")]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write")]
    public static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long pid, long flags);

    /// <summary>A file descriptor that becomes readable when <paramref name="pid"/> exits (a zombie counts).</summary>
    public static int PidFdOpen(int pid) => (int)Syscall(SysPidfdOpen, pid, 0);

    /// <summary>The exit code .NET's Process reports: the code, or 128 + the signal that ended the process.</summary>
    public static int ExitCode(int status) => (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }
}
