using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Runbook.Execution.Tests.Support;

/// <summary>
/// A throwaway redis-server on a free loopback port with a password, no persistence and its own temp folder,
/// stopped at the end. Without Debian's redis-server the tests that need it fail, naming the setup script.
/// <see cref="StartAsync"/> starts one more (a small maxmemory for eviction tests).
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    public const string Password = "redis-Pa55:w@rd/Qx9";

    private Process? _process;
    private DirectoryInfo? _folder;

    public string? Unavailable { get; private set; }

    public int Port { get; private set; }

    public string Url(int database = 0, string password = Password) => $"redis://:{Uri.EscapeDataString(password)}@127.0.0.1:{Port}/{database}";

    public bool Ready() => Runbook.Tests.TestDependency.Require("redis-server", Unavailable, Runbook.Tests.TestDependency.InstallAll);

    public static async Task<RedisServer> StartAsync(params string[] settings)
    {
        var server = new RedisServer();
        await server.StartCoreAsync(settings);
        return server;
    }

    public Task InitializeAsync() => StartCoreAsync([]);

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _folder?.Delete(recursive: true);
    }

    /// <summary>Runs redis-cli against this server (the password through REDISCLI_AUTH) and returns what it prints.</summary>
    public async Task<string> CliAsync(params string[] args)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. args])
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["REDISCLI_AUTH"] = Password;
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.Trim();
    }

    private async Task StartCoreAsync(string[] settings)
    {
        var program = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        if (program is null || !File.Exists("/usr/bin/redis-cli"))
        {
            Unavailable = "redis-server or redis-cli is not installed (Debian's redis-server package)";
            return;
        }

        _folder = Directory.CreateTempSubdirectory("runbook-redis-");
        Port = FreePort();
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--requirepass", Password, "--save", string.Empty, "--appendonly", "no", "--dir", _folder.FullName, .. settings])
        {
            start.ArgumentList.Add(a);
        }

        _process = Process.Start(start)!;
        _ = _process.StandardOutput.ReadToEndAsync();
        _ = _process.StandardError.ReadToEndAsync();
        for (var i = 0; i < 100; i++)
        {
            if (await CliAsync("PING") == "PONG")
            {
                return;
            }

            await Task.Delay(100);
        }

        Unavailable = "redis-server did not answer PING within 10 s";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
