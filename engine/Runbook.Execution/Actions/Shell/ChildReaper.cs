using System.Runtime.InteropServices;

namespace Runbook.Execution.Actions.Shell;

/// <summary>
/// Waits for the step processes this engine spawned itself and reaps them, one thread for the whole engine
/// (created with the first step, asleep in poll while no step runs). Each process is watched through a pidfd, so
/// the reaper never calls <c>waitpid(-1)</c>: the children .NET's Process class starts (and reaps from its own
/// SIGCHLD handler) are never touched, and .NET never reaps ours (it waits only for the pids it started, unless
/// the engine was started with SIGCHLD ignored — then a status can be lost, which the step reports).
/// </summary>
internal static unsafe class ChildReaper
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, Watch> Watched = [];
    private static int _wakeFd = -1;

    /// <summary>Completes with the exit code of <paramref name="pid"/>, a child of this process, once it has exited and been reaped.</summary>
    public static Task<int> WaitForExitAsync(int pid)
    {
        var pidFd = PosixSpawn.PidFdOpen(pid);
        if (pidFd < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            throw new SpawnException($"cannot watch process {pid} (pidfd_open: {Marshal.GetPInvokeErrorMessage(error)}; Linux 5.3 or later is needed)");
        }

        var watch = new Watch(pid);
        lock (Gate)
        {
            EnsureStarted();
            Watched.Add(pidFd, watch);
        }

        Wake();
        return watch.Exited.Task;
    }

    private static void EnsureStarted()
    {
        if (_wakeFd >= 0)
        {
            return;
        }

        _wakeFd = PosixSpawn.EventFd(0, PosixSpawn.OpenCloseOnExec | PosixSpawn.NonBlocking);
        if (_wakeFd < 0)
        {
            throw new SpawnException($"cannot create the reaper's wake-up descriptor (eventfd: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
        }

        new Thread(Loop) { IsBackground = true, Name = "runbook step reaper" }.Start();
    }

    private static void Wake()
    {
        long one = 1;
        _ = PosixSpawn.Write(_wakeFd, &one, sizeof(long));
    }

    private static void Loop()
    {
        var fds = new PosixSpawn.PollFd[8];
        while (true)
        {
            int count;
            lock (Gate)
            {
                count = Watched.Count + 1;
                if (fds.Length < count)
                {
                    fds = new PosixSpawn.PollFd[count * 2];
                }

                fds[0] = new PosixSpawn.PollFd { Fd = _wakeFd, Events = PosixSpawn.PollIn };
                var i = 1;
                foreach (var pidFd in Watched.Keys)
                {
                    fds[i++] = new PosixSpawn.PollFd { Fd = pidFd, Events = PosixSpawn.PollIn };
                }
            }

            int ready;
            fixed (PosixSpawn.PollFd* pointer = fds)
            {
                ready = PosixSpawn.Poll(pointer, (nuint)count, -1);
            }

            if (ready < 0)
            {
                continue; // EINTR: a signal arrived; poll again
            }

            if (fds[0].ReturnedEvents != 0)
            {
                long drained;
                _ = PosixSpawn.Read(_wakeFd, &drained, sizeof(long));
            }

            for (var i = 1; i < count; i++)
            {
                if (fds[i].ReturnedEvents != 0)
                {
                    Reap(fds[i].Fd);
                }
            }
        }
    }

    private static void Reap(int pidFd)
    {
        Watch watch;
        lock (Gate)
        {
            watch = Watched[pidFd];
        }

        int result;
        int status;
        do
        {
            result = PosixSpawn.WaitPid(watch.Pid, out status, PosixSpawn.WaitNoHang);
        }
        while (result < 0 && Marshal.GetLastPInvokeError() == PosixSpawn.ErrorInterrupted);

        if (result == 0)
        {
            return; // readable but not yet waitable; poll again
        }

        lock (Gate)
        {
            Watched.Remove(pidFd);
        }

        _ = PosixSpawn.Close(pidFd);
        if (result == watch.Pid)
        {
            watch.Exited.TrySetResult(PosixSpawn.ExitCode(status));
        }
        else
        {
            watch.Exited.TrySetException(new SpawnException(
                $"the exit status of process {watch.Pid} was lost (waitpid: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}); was the engine started with SIGCHLD ignored?"));
        }
    }

    private sealed class Watch(int pid)
    {
        public int Pid { get; } = pid;

        // Continuations run on the thread pool, never on the reaper's thread.
        public TaskCompletionSource<int> Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>A step's process could not be started or watched; the message says why and is shown as the step's error.</summary>
internal sealed class SpawnException(string message) : Exception(message);
