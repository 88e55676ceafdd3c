using System.Globalization;
using System.Text.Json;

namespace Runbook.Execution.Engine;

/// <summary>Whether the process that drives a run still exists, as far as this machine can tell.</summary>
public enum EngineLiveness
{
    Alive,

    /// <summary>Certainly gone: same host, same boot, same process namespace, and that pid is gone or now another process.</summary>
    Dead,

    /// <summary>Cannot tell from here: another host, another boot or container, no /proc, or a run journaled without it.</summary>
    Unknown,
}

/// <summary>
/// The process that drives a run, journaled with RunStarted and RunResumed: host name, kernel boot id, pid
/// namespace, pid and the kernel's start time of that pid. A pid alone is not enough — pids are reused — so
/// "dead" is decided only when everything but the pid's life matches this machine, and never across hosts.
/// </summary>
public sealed record EngineProcess(string Host, string BootId, string PidNamespace, int Pid, long StartTicks)
{
    private static readonly Lazy<EngineProcess?> Self = new(() => Of(Environment.ProcessId));

    /// <summary>This process, or null where the kernel does not say (not Linux).</summary>
    public static EngineProcess? Current => Self.Value;

    public static EngineProcess? Of(int pid)
    {
        var boot = Read("/proc/sys/kernel/random/boot_id")?.Trim();
        var pidNamespace = Link("/proc/self/ns/pid");
        var start = StartTicksOf(pid);
        return boot is null || pidNamespace is null || start is null ? null : new EngineProcess(Environment.MachineName, boot, pidNamespace, pid, start.Value);
    }

    public EngineLiveness Check()
    {
        if (Current is not { } here || Host != here.Host || BootId != here.BootId || PidNamespace != here.PidNamespace)
        {
            return EngineLiveness.Unknown;
        }

        return StartTicksOf(Pid) == StartTicks ? EngineLiveness.Alive : EngineLiveness.Dead;
    }

    public IReadOnlyDictionary<string, object?> ToData() => new Dictionary<string, object?>(StringComparer.Ordinal)
    {
        ["host"] = Host,
        ["boot_id"] = BootId,
        ["pid_ns"] = PidNamespace,
        ["pid"] = (long)Pid,
        ["start_ticks"] = StartTicks,
    };

    /// <summary>The "engine" object of a RunStarted or RunResumed event, or null (older journals, other systems).</summary>
    public static EngineProcess? FromData(JsonElement data) =>
        data.TryGetProperty("engine", out var e) && e.ValueKind == JsonValueKind.Object
        && e.TryGetProperty("host", out var host) && host.ValueKind == JsonValueKind.String
        && e.TryGetProperty("boot_id", out var boot) && boot.ValueKind == JsonValueKind.String
        && e.TryGetProperty("pid_ns", out var ns) && ns.ValueKind == JsonValueKind.String
        && e.TryGetProperty("pid", out var pid) && pid.TryGetInt32(out var p)
        && e.TryGetProperty("start_ticks", out var start) && start.TryGetInt64(out var s)
            ? new EngineProcess(host.GetString()!, boot.GetString()!, ns.GetString()!, p, s)
            : null;

    public override string ToString() => $"pid {Pid} on {Host}";

    /// <summary>Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot; null when there is no such process.</summary>
    private static long? StartTicksOf(int pid)
    {
        var stat = Read($"/proc/{pid}/stat");
        if (stat is null)
        {
            return null;
        }

        // The command name (field 2) may hold spaces and parentheses; the fields after its last ')' are plain.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 19 && fields[0] != "Z" && long.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? Link(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
