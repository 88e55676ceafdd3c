using System.Globalization;
using System.Text;

namespace Runbook.Providers.Gcp;

/// <summary>
/// The Cloud Logging query service.logs sends: a Cloud Run revision's entries of one service in one region since a time,
/// and the step's text filter. Every value is written as a quoted string with its backslashes and double quotes escaped,
/// so a value can never end the string and become query syntax (an <c>OR</c>, a second restriction, a comment).
/// </summary>
internal static class LogFilter
{
    public static string Build(string service, string region, DateTimeOffset since, string? text)
    {
        var filter = new StringBuilder()
            .Append("resource.type=\"cloud_run_revision\"")
            .Append(" AND resource.labels.service_name=").Append(Quote(service))
            .Append(" AND resource.labels.location=").Append(Quote(region))
            .Append(" AND timestamp>=").Append(Quote(since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)));
        if (Searchable(text))
        {
            filter.Append(" AND textPayload:").Append(Quote(text!));
        }

        return filter.ToString();
    }

    /// <summary>
    /// Whether the step's filter can be sent to Cloud Logging. A value with a control character other than tab, newline and
    /// carriage return has no escape in the query language: it is then not sent, and the shared action filters the lines it gets.
    /// </summary>
    public static bool Searchable(string? text) =>
        text is { Length: > 0 } && !text.Any(c => char.IsControl(c) && c is not '\t' and not '\n' and not '\r');

    /// <summary>A string literal of the Logging query language: "…" with \ and " escaped, and tab, newline and carriage return as \t, \n, \r.</summary>
    public static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            quoted.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\t' => "\\t",
                '\n' => "\\n",
                '\r' => "\\r",
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }
}
