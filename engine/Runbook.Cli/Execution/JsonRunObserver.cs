using System.Text;
using System.Text.Json;
using Runbook.Execution.Engine;

namespace Runbook.Cli.Execution;

/// <summary>One JSON object per line per event (schemas/events.schema.json). Thread-safe.</summary>
internal sealed class JsonRunObserver(TextWriter output) : IRunObserver
{
    private readonly Lock _gate = new();

    public void On(RunEvent runEvent)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("type", runEvent.Type);
            json.WriteString("run_id", runEvent.RunId);
            json.WriteString("at", runEvent.At);
            switch (runEvent)
            {
                case RunStartedEvent e:
                    json.WriteString("playbook", e.Playbook);
                    json.WriteString("provider", e.Provider);
                    json.WriteString("initiator", e.Initiator);
                    json.WriteBoolean("dry_run", e.DryRun);
                    json.WriteBoolean("resumed", e.Resumed);
                    break;
                case StepStartedEvent e:
                    json.WriteString("step", e.StepId);
                    json.WriteString("name", e.Name);
                    json.WriteString("phase", e.Phase);
                    json.WriteString("action", e.Action);
                    json.WriteNumber("attempt", e.Attempt);
                    break;
                case StepLogEvent e:
                    json.WriteString("step", e.StepId);
                    json.WriteString("stream", e.Stream);
                    json.WriteString("line", e.Line);
                    break;
                case StepFinishedEvent e:
                    json.WriteString("step", e.StepId);
                    json.WriteString("status", e.Status);
                    json.WriteNumber("duration_ms", e.DurationMs);
                    WriteOptional(json, "error", e.Error);
                    WriteOptional(json, "preview", e.Preview);
                    if (e.OutputsJson is not null)
                    {
                        json.WritePropertyName("outputs");
                        json.WriteRawValue(e.OutputsJson);
                    }

                    break;
                case ApprovalEvent e:
                    json.WriteString("step", e.StepId);
                    json.WriteString("state", e.State);
                    json.WriteString("detail", e.Detail);
                    break;
                case RollbackEvent e:
                    WriteOptional(json, "step", e.StepId);
                    json.WriteString("state", e.State);
                    json.WriteString("detail", e.Detail);
                    break;
                case RunFinishedEvent e:
                    json.WriteString("status", e.Status);
                    json.WriteNumber("exit_code", e.ExitCode);
                    json.WriteString("summary", e.Summary);
                    break;
            }

            json.WriteEndObject();
        }

        var line = Encoding.UTF8.GetString(stream.ToArray());
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
