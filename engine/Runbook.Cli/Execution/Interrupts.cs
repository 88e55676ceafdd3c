using System.Runtime.InteropServices;

namespace Runbook.Cli.Execution;

/// <summary>
/// Two-stage Ctrl-C: the first stops starting steps and cancels running ones (the run journals it and
/// rolls back or says how); the second exits at once with 130. Every journal append is written when it returns,
/// so exiting at once never loses it.
/// </summary>
internal sealed class Interrupts : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private readonly TextWriter _error;
    private int _count;

    public Interrupts(TextWriter error)
    {
        _error = error;
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    public CancellationToken Token => _source.Token;

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Increment(ref _count) == 1)
        {
            _error.WriteLine("\nInterrupted: no new steps start; running steps are being cancelled. Press Ctrl-C again to exit at once.");
            _source.Cancel();
        }
        else
        {
            _error.WriteLine("Exiting now. The journal is intact; see 'runbook history'.");
            Environment.Exit(130);
        }
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _source.Dispose();
    }
}
