using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Runbook.Providers.Compose.Tests.Support;

/// <summary>
/// A private Docker engine for this test run (its own data root, exec root and socket in a temp folder),
/// started by setup-docker.sh, which also installs what is missing. With CI=true an engine that cannot
/// start fails the tests; elsewhere they say why and do nothing.
/// </summary>
public sealed class DockerEngine : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-docker-").FullName;

    public string? Unavailable { get; private set; }

    public string Host => $"unix://{_folder}/docker.sock";

    public bool Ready()
    {
        if (Unavailable is null)
        {
            return true;
        }

        Assert.True(Environment.GetEnvironmentVariable("CI") != "true", $"CI=true and the Docker engine is unavailable: {Unavailable}");
        Console.WriteLine($"Docker test not run: {Unavailable}");
        return false;
    }

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
            using (var down = Process.Start("bash", ["-c", "docker rm -f $(docker ps -aq) >/dev/null 2>&1; kill $(cat \"$1/docker.pid\") 2>/dev/null; sleep 1", "_", _folder]))
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
