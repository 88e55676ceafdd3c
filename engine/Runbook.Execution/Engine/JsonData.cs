using System.Text;
using System.Text.Json;
using Runbook.Execution.Actions;

namespace Runbook.Execution.Engine;

/// <summary>Builds the JSON object of a journal event. No reflection: each field is written by name.</summary>
internal sealed class JsonData
{
    private readonly List<(string Name, object? Value)> _fields = [];

    public JsonData Add(string name, object? value)
    {
        _fields.Add((name, value));
        return this;
    }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in _fields)
            {
                writer.WritePropertyName(name);
                Values.Write(writer, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
