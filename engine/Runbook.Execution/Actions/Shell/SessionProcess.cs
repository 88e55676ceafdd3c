using System.Collections;
using System.Collections.Concurrent;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Runbook.Execution.Actions.Shell;

/// <summary>
/// A step's process, spawned directly (posix_spawn with POSIX_SPAWN_SETSID) as the leader of a new session and
/// process group, so a signal to the group reaches everything it started. This replaces running it under
/// <c>setsid</c> through CliWrap, which cost each step a second exec, setsid's locale load and its PATH search.
/// stdin is /dev/null (read gives end of file at once); stdout and stderr are pipes read asynchronously (epoll,
/// as .NET's own Process streams); every signal starts at its default disposition (the engine ignores SIGPIPE,
/// a script must not) with none blocked; the engine's other descriptors are close-on-exec, as .NET opens them.
/// </summary>
internal sealed class SessionProcess
{
    private static readonly ConcurrentDictionary<(string Name, string Path, string Directory), string?> Programs = new();

    private SessionProcess(int id, Stream standardOutput, Stream standardError, Task<int> exited)
    {
        Id = id;
        StandardOutput = standardOutput;
        StandardError = standardError;
        Exited = exited;
    }

    /// <summary>The process's id, which is also its process group's and session's.</summary>
    public int Id { get; }

    public Stream StandardOutput { get; }

    public Stream StandardError { get; }

    /// <summary>The exit code once the process has exited and been reaped (128 + the signal if a signal ended it).</summary>
    public Task<int> Exited { get; }

    /// <summary>
    /// Starts <paramref name="arguments"/>[0], found on the PATH the process will see, in
    /// <paramref name="workingDirectory"/>, with the engine's environment changed by <paramref name="environment"/>
    /// (a null value removes the variable).
    /// </summary>
    public static unsafe SessionProcess Start(IReadOnlyList<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        var variables = Environment(environment);
        var path = variables.TryGetValue("PATH", out var searchPath) ? searchPath : string.Empty;
        var program = Programs.GetOrAdd((arguments[0], path, workingDirectory), key => Find(key.Name, key.Path, key.Directory))
            ?? throw new SpawnException($"{arguments[0]} was not found on PATH ({path})");

        var output = stackalloc int[2];
        var error = stackalloc int[2];
        if (PosixSpawn.Pipe(output, PosixSpawn.OpenCloseOnExec) != 0)
        {
            throw new SpawnException($"cannot create a pipe for the step's output ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
        }

        if (PosixSpawn.Pipe(error, PosixSpawn.OpenCloseOnExec) != 0)
        {
            var message = Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
            _ = PosixSpawn.Close(output[0]);
            _ = PosixSpawn.Close(output[1]);
            throw new SpawnException($"cannot create a pipe for the step's errors ({message})");
        }

        var fileActions = NativeMemory.AllocZeroed(PosixSpawn.OpaqueSize);
        var attributes = NativeMemory.AllocZeroed(PosixSpawn.OpaqueSize);
        var signals = NativeMemory.AllocZeroed(PosixSpawn.OpaqueSize);
        var argv = new NativeStrings(arguments);
        var envp = new NativeStrings([.. variables.Select(v => $"{v.Key}={v.Value}")]);
        var programBytes = Encoding.UTF8.GetBytes(program + '\0');
        int pid;
        int result;
        try
        {
            _ = PosixSpawn.FileActionsInit(fileActions);
            _ = PosixSpawn.AttributesInit(attributes);
            Check(PosixSpawn.FileActionsAddOpen(fileActions, 0, "/dev/null", PosixSpawn.OpenReadOnly, 0), "addopen");
            Check(PosixSpawn.FileActionsAddDup2(fileActions, output[1], 1), "adddup2");
            Check(PosixSpawn.FileActionsAddDup2(fileActions, error[1], 2), "adddup2");
            Check(PosixSpawn.FileActionsAddChdir(fileActions, workingDirectory), "addchdir_np");
            _ = PosixSpawn.SignalSetFill(signals);
            Check(PosixSpawn.AttributesSetSignalDefault(attributes, signals), "setsigdefault");
            _ = PosixSpawn.SignalSetEmpty(signals);
            Check(PosixSpawn.AttributesSetSignalMask(attributes, signals), "setsigmask");
            Check(PosixSpawn.AttributesSetFlags(attributes, PosixSpawn.SpawnSetSid | PosixSpawn.SpawnSetSigDef | PosixSpawn.SpawnSetSigMask), "setflags");
            fixed (byte* programPointer = programBytes)
            {
                result = PosixSpawn.Spawn(out pid, programPointer, fileActions, attributes, argv.Pointer, envp.Pointer);
            }
        }
        catch (SpawnException)
        {
            _ = PosixSpawn.Close(output[0]);
            _ = PosixSpawn.Close(error[0]);
            throw;
        }
        finally
        {
            _ = PosixSpawn.FileActionsDestroy(fileActions);
            _ = PosixSpawn.AttributesDestroy(attributes);
            NativeMemory.Free(fileActions);
            NativeMemory.Free(attributes);
            NativeMemory.Free(signals);
            argv.Dispose();
            envp.Dispose();
            _ = PosixSpawn.Close(output[1]); // the child has its own copies; the read ends see EOF when it and its children exit
            _ = PosixSpawn.Close(error[1]);
        }

        if (result != 0)
        {
            _ = PosixSpawn.Close(output[0]);
            _ = PosixSpawn.Close(error[0]);
            var reason = Marshal.GetPInvokeErrorMessage(result);
            throw new SpawnException(Directory.Exists(workingDirectory)
                ? $"cannot start {program}: {reason}"
                : $"cannot start {program}: the working directory {workingDirectory} does not exist");
        }

        var standardOutput = Reader(output[0]);
        var standardError = Reader(error[0]);
        try
        {
            return new SessionProcess(pid, standardOutput, standardError, ChildReaper.WaitForExitAsync(pid));
        }
        catch (SpawnException)
        {
            ProcessGroup.KillAll(pid); // it cannot be watched: end it rather than leave it running unseen
            _ = PosixSpawn.WaitPid(pid, out _, 0);
            standardOutput.Dispose();
            standardError.Dispose();
            throw;
        }
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new SpawnException($"cannot prepare the step's process (posix_spawn_{call}: {Marshal.GetPInvokeErrorMessage(result)})");
        }
    }

    private static AnonymousPipeClientStream Reader(int fd) =>
        new(PipeDirection.In, new SafePipeHandle(fd, ownsHandle: true));

    /// <summary>The engine's environment with the step's changes; read each time (the engine's may change while it runs).</summary>
    private static Dictionary<string, string> Environment(IReadOnlyDictionary<string, string?> changes)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
        }

        foreach (var (name, value) in changes)
        {
            if (value is null)
            {
                variables.Remove(name);
            }
            else
            {
                variables[name] = value;
            }
        }

        return variables;
    }

    /// <summary>The program as execvp would find it: a name with a slash as it is, otherwise the first PATH entry that has it.</summary>
    private static string? Find(string name, string path, string workingDirectory)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return name;
        }

        foreach (var folder in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(Path.GetFullPath(folder, workingDirectory), name); // a relative entry is the child's
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>A NULL-terminated array of NUL-terminated UTF-8 strings, as argv and envp are.</summary>
    private sealed unsafe class NativeStrings : IDisposable
    {
        private readonly int _count;

        public NativeStrings(IReadOnlyList<string> strings)
        {
            _count = strings.Count;
            Pointer = (byte**)NativeMemory.AllocZeroed((nuint)(_count + 1), (nuint)sizeof(byte*));
            for (var i = 0; i < _count; i++)
            {
                Pointer[i] = (byte*)Marshal.StringToCoTaskMemUTF8(strings[i]);
            }
        }

        public byte** Pointer { get; }

        public void Dispose()
        {
            for (var i = 0; i < _count; i++)
            {
                Marshal.FreeCoTaskMem((nint)Pointer[i]);
            }

            NativeMemory.Free(Pointer);
        }
    }
}
