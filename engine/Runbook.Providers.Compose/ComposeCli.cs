using System.Text;
using CliWrap;
using CliWrap.Buffered;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Compose;

/// <summary>
/// Runs Docker Compose: <c>docker compose</c> (v2) or <c>docker-compose</c> (v1), whichever is installed,
/// detected once. Every call names the compose file(s) and the project.
/// </summary>
internal sealed class ComposeCli(string file, string? overrideFile, string project, string directory)
{
    private static readonly Lazy<Task<string[]?>> Flavour = new(DetectAsync);

    /// <summary>How docker and compose v1/v2 say the engine cannot be reached.</summary>
    private static readonly string[] Unreachable =
        ["Cannot connect to the Docker daemon", "Is the docker daemon running", "Error while fetching server API version", "Connection aborted", "Connection refused"];

    /// <summary>How compose v1 and v2 say that they, not the command in the container, failed.</summary>
    private static readonly string[] ComposeErrors =
        ["No such service", "no such service", "is not running", "No container found", "permission denied while trying to connect"];

    public string Project => project;

    public async Task<string> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var prefix = await Flavour.Value.ConfigureAwait(false)
            ?? throw new ProviderException(ProviderErrorKind.Unavailable, "neither 'docker compose' nor 'docker-compose' is installed (install Docker Compose v2 or v1)");
        var args = new List<string>(prefix[1..]) { "-f", file };
        if (overrideFile is not null && File.Exists(overrideFile))
        {
            args.AddRange(["-f", overrideFile]);
        }

        args.AddRange(["-p", project]);
        args.AddRange(arguments);
        var result = await Cli.Wrap(prefix[0]).WithArguments(args).WithWorkingDirectory(directory)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw Error($"{prefix[0]} {string.Join(' ', prefix[1..].Concat(arguments))}", result.StandardError + result.StandardOutput);
        }

        return result.StandardOutput;
    }

    /// <summary>
    /// <c>exec -T</c> with <paramref name="stdin"/> piped in (closed at its end; empty when null): the command's exit code
    /// and output, which a non-zero exit does not turn into an error. Compose's own failures (no such service, nothing
    /// running, the engine unreachable) still throw, recognised by what compose prints.
    /// </summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> ExecAsync(string service, IReadOnlyList<string> command, byte[]? stdin, CancellationToken cancellationToken)
    {
        var prefix = await Flavour.Value.ConfigureAwait(false)
            ?? throw new ProviderException(ProviderErrorKind.Unavailable, "neither 'docker compose' nor 'docker-compose' is installed (install Docker Compose v2 or v1)");
        var args = new List<string>(prefix[1..]) { "-f", file };
        if (overrideFile is not null && File.Exists(overrideFile))
        {
            args.AddRange(["-f", overrideFile]);
        }

        args.AddRange(["-p", project, "exec", "-T", service, .. command]);
        var result = await Cli.Wrap(prefix[0]).WithArguments(args).WithWorkingDirectory(directory)
            .WithStandardInputPipe(stdin is null ? PipeSource.Null : PipeSource.FromBytes(stdin))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0 && ComposeRefused(result.StandardError))
        {
            throw Error($"{prefix[0]} {string.Join(' ', prefix[1..])} exec -T {service}", result.StandardError);
        }

        if (result.ExitCode != 0 && result.StandardOutput.Length == 0 && result.StandardError.Length == 0)
        {
            // Compose v1 exits 1 without a word for a service it does not know or that runs no container: ask it.
            var running = await RunAsync(["ps", "-q", service], cancellationToken).ConfigureAwait(false);
            if (running.Trim().Length == 0)
            {
                throw new ProviderException(ProviderErrorKind.NotFound, $"service '{service}' has no running container in compose project '{project}' (start it, or check the service name)");
            }
        }

        return (result.ExitCode, result.StandardOutput, result.StandardError);
    }

    /// <summary>True when compose itself refused (no such service, nothing running, engine unreachable).</summary>
    private static bool ComposeRefused(string stderr) =>
        ComposeErrors.Any(t => stderr.Contains(t, StringComparison.Ordinal))
        || Unreachable.Any(t => stderr.Contains(t, StringComparison.OrdinalIgnoreCase));

    public static async Task<string> DockerAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var result = await Cli.Wrap("docker").WithArguments(arguments).WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0 ? result.StandardOutput : throw Error($"docker {string.Join(' ', arguments)}", result.StandardError);
    }

    private static ProviderException Error(string command, string output)
    {
        var text = output.Trim();
        var kind = text.Contains("permission denied", StringComparison.OrdinalIgnoreCase) ? ProviderErrorKind.Forbidden
            : Unreachable.Any(t => text.Contains(t, StringComparison.OrdinalIgnoreCase)) ? ProviderErrorKind.Unavailable
            : text.Contains("No such service", StringComparison.OrdinalIgnoreCase) || text.Contains("no such service", StringComparison.OrdinalIgnoreCase) ? ProviderErrorKind.NotFound
            : ProviderErrorKind.Failed;
        var hint = kind switch
        {
            ProviderErrorKind.Forbidden => $" (permission denied on the Docker socket {Environment.GetEnvironmentVariable("DOCKER_HOST") ?? "unix:///var/run/docker.sock"}: "
                + "run as a member of the docker group, or check DOCKER_HOST)",
            ProviderErrorKind.Unavailable => " (is the Docker engine running? check DOCKER_HOST)",
            _ => string.Empty,
        };
        var last = kind == ProviderErrorKind.Unavailable
            ? $"cannot reach the Docker engine at {Environment.GetEnvironmentVariable("DOCKER_HOST") ?? "unix:///var/run/docker.sock"}"
            : text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "failed";
        return new ProviderException(kind, $"{command}: {last}{hint}");
    }

    private static async Task<string[]?> DetectAsync()
    {
        foreach (var candidate in new[] { new[] { "docker", "compose" }, new[] { "docker-compose" } })
        {
            try
            {
                var result = await Cli.Wrap(candidate[0]).WithArguments([.. candidate[1..], "version"])
                    .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync().ConfigureAwait(false);
                if (result.ExitCode == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }

        return null;
    }
}
