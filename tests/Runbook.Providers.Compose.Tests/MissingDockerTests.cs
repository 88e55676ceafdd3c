using Runbook.Providers.Compose.Tests.Support;

namespace Runbook.Providers.Compose.Tests;

/// <summary>
/// What `./build.sh test` does on a machine without Docker, shown without uninstalling it: the engine's setup runs
/// with a PATH that holds every command of this machine except Docker's (and apt-get, so it cannot install them).
/// </summary>
public sealed class MissingDockerTests : IDisposable
{
    private readonly string _bin = Directory.CreateTempSubdirectory("runbook-no-docker-path-").FullName;

    [Fact]
    public async Task Without_docker_every_docker_test_fails_naming_what_is_missing_and_the_command_to_run()
    {
        foreach (var dir in new[] { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" }.Where(Directory.Exists))
        {
            foreach (var command in Directory.GetFiles(dir))
            {
                var name = Path.GetFileName(command);
                var link = Path.Combine(_bin, name);
                if (!name.StartsWith("docker", StringComparison.Ordinal) && name is not ("apt-get" or "apt") && !File.Exists(link))
                {
                    File.CreateSymbolicLink(link, command);
                }
            }
        }

        var engine = new DockerEngine(_bin);
        await engine.InitializeAsync();
        try
        {
            var failure = Assert.ThrowsAny<Exception>(() => engine.Ready());

            Assert.Contains("The Docker engine is not available", failure.Message, StringComparison.Ordinal);
            Assert.Contains("missing: dockerd docker-compose", failure.Message, StringComparison.Ordinal);
            Assert.Contains("Run: sudo .ci/install-test-dependencies", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            await engine.DisposeAsync();
        }
    }

    public void Dispose() => Directory.Delete(_bin, recursive: true);
}
