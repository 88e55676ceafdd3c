using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes;

/// <summary>
/// service.exec (and its alias kubernetes.exec): a command in a running pod of a deployment, as
/// <c>kubectl exec -i deployment/x --</c>, without a TTY; outputs stdout, stderr and exit_code. A string command runs
/// under <c>sh -c</c>; a list runs as it is. Input goes over the exec WebSocket's stdin channel (0) and is closed
/// with the v5.channel.k8s.io close signal, so a command that reads to the end (cat, psql, tar x) ends.
/// </summary>
internal sealed class KubernetesExecAction(KubeApi api, IWorkloadBackend workloads, ProviderSettings settings, string name) : IStepAction
{
    /// <summary>The exec subprotocol whose channel 255 can close stdin (Kubernetes 1.29+; kubectl uses it too).</summary>
    private const string ChannelProtocol = "v5.channel.k8s.io";

    /// <summary>Frames of stdin at most this large: the API server reads whole WebSocket messages.</summary>
    private const int StdinFrame = 32 * 1024;

    public string Name => name;

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var service = settings.ServiceName(invocation.GetString("service") ?? string.Empty);
        var command = ContainerCommand.From(invocation.Get("command"));
        if (command.Refusal is not null)
        {
            return StepOutcome.Failure(command.Refusal, retryable: false);
        }

        var input = ExecInput.From(invocation);
        if (input.Refusal is not null)
        {
            return StepOutcome.Failure(input.Refusal, retryable: false);
        }

        try
        {
            var (pod, defaultContainer) = await workloads.ExecTargetAsync(service, cancellationToken).ConfigureAwait(false);
            var container = invocation.GetString("container") is { Length: > 0 } chosen ? chosen : defaultContainer;
            invocation.Log.Line(LogStream.Info, $"exec in pod/{pod} ({container}){(input.Bytes is null ? string.Empty : $", {input.Bytes.Length} bytes on stdin")}");
            using var socket = await api.CallAsync($"pod '{pod}'", (k, ns) => k.WebSocketNamespacedPodExecAsync(pod, ns, command.Arguments, container,
                stderr: true, stdin: input.Bytes is not null, stdout: true, tty: false, webSocketSubProtocol: ChannelProtocol, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
            var result = await ExchangeAsync(socket, input.Bytes, cancellationToken).ConfigureAwait(false);
            foreach (var line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                invocation.Log.Line(LogStream.Stdout, line);
            }

            foreach (var line in result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                invocation.Log.Line(LogStream.Stderr, line);
            }

            var exitCode = ExitCode(result.Status, pod, container);
            var outputs = new Dictionary<string, object?> { ["stdout"] = result.Stdout.TrimEnd('\n'), ["stderr"] = result.Stderr.TrimEnd('\n'), ["exit_code"] = (long)exitCode };
            var last = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            return exitCode == 0
                ? StepOutcome.Success(outputs)
                : StepOutcome.Failure($"{name}: the command exited with {exitCode} in pod/{pod}{(last is null ? string.Empty : $": {last}")}", outputs, retryable: false);
        }
        catch (ProviderException ex)
        {
            return StepOutcome.Failure(ex.Message, retryable: ex.Retryable);
        }
        catch (WebSocketException ex)
        {
            return StepOutcome.Failure($"{name}: the exec connection to the API server broke: {ex.Message}", retryable: false);
        }
    }

    /// <summary>Sends stdin (then the close signal) while reading stdout (1), stderr (2) and the final Status (3) until the server closes.</summary>
    private static async Task<(string Stdout, string Stderr, string Status)> ExchangeAsync(WebSocket socket, byte[]? stdin, CancellationToken cancellationToken)
    {
        if (stdin is not null && socket.SubProtocol != ChannelProtocol)
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"the API server offered exec protocol '{socket.SubProtocol}', which cannot close stdin; service.exec with stdin needs {ChannelProtocol} (Kubernetes 1.29 or later)");
        }

        var reading = ReadAsync(socket, cancellationToken);
        if (stdin is not null)
        {
            for (var offset = 0; offset < stdin.Length; offset += StdinFrame)
            {
                var count = Math.Min(StdinFrame, stdin.Length - offset);
                await socket.SendAsync((byte[])[0, .. stdin.AsSpan(offset, count)], WebSocketMessageType.Binary, true, cancellationToken).ConfigureAwait(false);
            }

            // v5: channel 255 carries a close signal; its one byte names the stream that ends (0, stdin).
            await socket.SendAsync(new byte[] { 255, 0 }, WebSocketMessageType.Binary, true, cancellationToken).ConfigureAwait(false);
        }

        return await reading.ConfigureAwait(false);
    }

    private static async Task<(string Stdout, string Stderr, string Status)> ReadAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        using var status = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            MemoryStream? target = null;
            var first = true;
            WebSocketReceiveResult received;
            do
            {
                received = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    // Answer the close, so the server's end of the exec finishes cleanly.
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, cancellationToken).ConfigureAwait(false);
                    return (Decode(stdout), Decode(stderr), Decode(status));
                }

                var data = buffer.AsSpan(0, received.Count);
                if (first && data.Length > 0)
                {
                    target = data[0] switch { 1 => stdout, 2 => stderr, 3 => status, _ => null };
                    data = data[1..];
                    first = false;
                }

                target?.Write(data);
            }
            while (!received.EndOfMessage);
        }

        return (Decode(stdout), Decode(stderr), Decode(status));
    }

    private static string Decode(MemoryStream stream) => Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);

    /// <summary>The exit code from the Status on channel 3: Success is 0, NonZeroExitCode carries it; anything else is the server's error.</summary>
    private static int ExitCode(string status, string pod, string container)
    {
        if (status.Length == 0)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"the exec in pod/{pod} ({container}) ended without a status (the connection closed early)");
        }

        using var document = JsonDocument.Parse(status);
        var root = document.RootElement;
        var state = root.TryGetProperty("status", out var s) ? s.GetString() : null;
        if (state == "Success")
        {
            return 0;
        }

        var reason = root.TryGetProperty("reason", out var r) ? r.GetString() : null;
        if (reason == "NonZeroExitCode" && root.TryGetProperty("details", out var details) && details.TryGetProperty("causes", out var causes))
        {
            foreach (var cause in causes.EnumerateArray())
            {
                if (cause.TryGetProperty("reason", out var why) && why.GetString() == "ExitCode"
                    && int.TryParse(cause.TryGetProperty("message", out var code) ? code.GetString() : null, out var exit))
                {
                    return exit;
                }
            }
        }

        var message = root.TryGetProperty("message", out var m) ? m.GetString() : status;
        throw new ProviderException(ProviderErrorKind.Failed, $"exec in pod/{pod} ({container}) failed: {message}");
    }
}
