using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Runbook.Providers.Compose.Tests.Support;

/// <summary>
/// A private Docker engine for this test run (its own data root, exec root and socket in a temp folder),
/// started by setup-docker.sh, which also installs what is missing (as root). An engine that cannot start fails
/// every test that needs it, naming the command to run (<see cref="Runbook.Tests.TestDependency"/>).
/// </summary>
public sealed class DockerEngine : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-docker-").FullName;
    private readonly string? _path;

    public DockerEngine()
    {
    }

    /// <summary>An engine whose setup sees only <paramref name="path"/> as PATH: how a test shows what a machine without Docker does.</summary>
    internal DockerEngine(string path) => _path = path;

    public string? Unavailable { get; private set; }

    public string Host => $"unix://{_folder}/docker.sock";

    /// <summary>True, or fails the test saying why Docker is unavailable and how to install it.</summary>
    public bool Ready() => Runbook.Tests.TestDependency.Require("The Docker engine", Unavailable,
        $"{Runbook.Tests.TestDependency.InstallAll}   (or, to see why it does not start: sudo bash tests/Runbook.Providers.Compose.Tests/setup-docker.sh $(mktemp -d))");

    /// <summary>A compose project folder for one test, with services on free loopback ports.</summary>
    public string NewProject(string compose)
    {
        var folder = Directory.CreateTempSubdirectory("runbook-compose-").FullName;
        File.WriteAllText(Path.Combine(folder, "docker-compose.yml"), compose.Replace("PORT", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        return folder;
    }

    public async Task InitializeAsync()
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(AppContext.BaseDirectory, "setup-docker.sh"), _folder])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        if (_path is not null)
        {
            start.Environment["PATH"] = _path;
        }

        using var setup = Process.Start(start)!;
        var error = await setup.StandardError.ReadToEndAsync();
        await setup.StandardOutput.ReadToEndAsync();
        await setup.WaitForExitAsync();
        if (setup.ExitCode != 0)
        {
            Unavailable = $"setup-docker.sh failed ({setup.ExitCode}): {error.Trim()}";
            return;
        }

        Environment.SetEnvironmentVariable("DOCKER_HOST", Host);
    }

    public async Task DisposeAsync()
    {
        if (Unavailable is null)
        {
            // Waits for dockerd itself to exit (bounded), not a fixed sleep, before its folder is removed.
            using (var down = Process.Start("bash", ["-c", """
                docker rm -f $(docker ps -aq) >/dev/null 2>&1
                pid=$(cat "$1/docker.pid" 2>/dev/null) || exit 0
                kill "$pid" 2>/dev/null || exit 0
                for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
                echo "dockerd $pid did not stop within 30 s" >&2; kill -9 "$pid"; exit 1
                """, "_", _folder]))
            {
                await down.WaitForExitAsync();
            }
        }

        using (var remove = Process.Start("rm", ["-rf", _folder]))
        {
            await remove.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class DockerCollection : ICollectionFixture<DockerEngine>
{
    public const string Name = "Docker";
}
