namespace Runbook.Execution.Actions.Shell;

/// <summary>
/// Reads what a script wrote to <c>$RUNBOOK_OUTPUT</c>: <c>name=value</c> lines, and
/// <c>name&lt;&lt;DELIMITER</c> … <c>DELIMITER</c> blocks for values that span lines (as GitHub Actions does).
/// </summary>
internal static class StepOutputsFile
{
    public static IReadOnlyDictionary<string, object?> Read(string path)
    {
        var outputs = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return outputs;
        }

        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var heredoc = line.IndexOf("<<", StringComparison.Ordinal);
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (heredoc > 0 && (equals < 0 || heredoc < equals))
            {
                var name = line[..heredoc];
                var delimiter = line[(heredoc + 2)..];
                var value = new List<string>();
                for (i++; i < lines.Length && lines[i] != delimiter; i++)
                {
                    value.Add(lines[i]);
                }

                outputs[name] = string.Join('\n', value);
            }
            else if (equals > 0)
            {
                outputs[line[..equals]] = line[(equals + 1)..];
            }
        }

        return outputs;
    }
}
