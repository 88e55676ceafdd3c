using System.Globalization;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Aws.Tests.EcsServer;

/// <summary>
/// CloudWatch Logs: log groups and streams that tasks write to through the awslogs driver (or that tests append
/// to), and FilterLogEvents, GetLogEvents and DescribeLogStreams over them.
/// </summary>
internal sealed partial class EcsBackend
{
    private readonly Dictionary<string, LogGroupState> _logGroups = new(StringComparer.Ordinal);
    private long _logSequence;

    public static readonly IReadOnlySet<string> LogsOperations = new HashSet<string>(StringComparer.Ordinal)
    {
        "FilterLogEvents", "GetLogEvents", "DescribeLogStreams",
    };

    public JsonObject Logs(string operation, JsonObject body) => Locked(() => operation switch
    {
        "FilterLogEvents" => FilterLogEvents(body),
        "GetLogEvents" => GetLogEvents(body),
        "DescribeLogStreams" => DescribeLogStreams(body),
        _ => throw AwsErrorException.Client("UnknownOperationException", $"The test server does not implement {operation}."),
    });

    private void WriteLog(ContainerState container, string message)
    {
        if (container.LogGroup is { } group && container.LogStream is { } stream)
        {
            Append(group, stream, message, Now.ToUnixTimeMilliseconds());
        }
    }

    private void Append(string group, string stream, string message, long timestamp)
    {
        if (!_logGroups.TryGetValue(group, out var logGroup))
        {
            logGroup = new LogGroupState(group, $"arn:aws:logs:{Region}:{AccountId}:log-group:{group}", Now);
            _logGroups[group] = logGroup;
        }

        if (!logGroup.Streams.TryGetValue(stream, out var logStream))
        {
            logStream = new LogStreamState(stream, Now);
            logGroup.Streams[stream] = logStream;
        }

        logStream.Events.Add(new LogEventState(++_logSequence, timestamp, Now.ToUnixTimeMilliseconds(), message));
    }

    public void AppendLog(string group, string stream, string message, DateTimeOffset? at) =>
        Locked(() =>
        {
            Append(group, stream, message, (at ?? Now).ToUnixTimeMilliseconds());
            return 0;
        });

    /// <summary>Writes a line to the awslogs stream of every running task of a service (each container).</summary>
    public int WriteServiceLog(string cluster, string service, string message) => Locked(() =>
    {
        var containers = _tasks.Where(t => t.Cluster == cluster && t.Service == service && t.LastStatus == "RUNNING").SelectMany(t => t.Containers).ToList();
        foreach (var container in containers)
        {
            WriteLog(container, message);
        }

        return containers.Count;
    });

    public IReadOnlyList<LogEventSnapshot> LogEvents(string group) => Locked(() => (IReadOnlyList<LogEventSnapshot>)(_logGroups.TryGetValue(group, out var g)
        ? [.. g.Streams.Values.SelectMany(s => s.Events.Select(e => (Stream: s.Name, Event: e))).OrderBy(x => x.Event.Timestamp).ThenBy(x => x.Event.Sequence)
            .Select(x => new LogEventSnapshot(group, x.Stream, x.Event.Timestamp, x.Event.Message))]
        : []));

    private LogGroupState Group(JsonObject body)
    {
        var name = body["logGroupName"]?.GetValue<string>();
        var identifier = body["logGroupIdentifier"]?.GetValue<string>();
        if (name is not null && identifier is not null)
        {
            throw AwsErrorException.Client("InvalidParameterException", "LogGroup name and LogGroup ARN are mutually exclusive parameters.");
        }

        if (identifier is not null)
        {
            name = identifier.StartsWith("arn:", StringComparison.Ordinal) ? identifier[(identifier.IndexOf(":log-group:", StringComparison.Ordinal) + 11)..].TrimEnd('*').TrimEnd(':') : identifier;
        }

        if (name is null)
        {
            throw AwsErrorException.Client("InvalidParameterException", "Should provide either name or ARN of the log group.");
        }

        return _logGroups.TryGetValue(name, out var group)
            ? group
            : throw AwsErrorException.Client("ResourceNotFoundException", "The specified log group does not exist.");
    }

    private JsonObject FilterLogEvents(JsonObject body)
    {
        var group = Group(body);
        var names = body["logStreamNames"]?.AsArray().Select(n => n!.GetValue<string>()).ToList();
        var prefix = body["logStreamNamePrefix"]?.GetValue<string>();
        if (names is not null && prefix is not null)
        {
            throw AwsErrorException.Client("InvalidParameterException", "You cannot specify both logStreamNames and logStreamNamePrefix.");
        }

        if (names is not null && names.FirstOrDefault(n => !group.Streams.ContainsKey(n)) is { } unknown)
        {
            throw AwsErrorException.Client("ResourceNotFoundException", $"The specified log stream does not exist: {unknown}");
        }

        var pattern = FilterPattern.Parse(body["filterPattern"]?.GetValue<string>());
        var start = body["startTime"]?.GetValue<long>();
        var end = body["endTime"]?.GetValue<long>();
        var streams = group.Streams.Values
            .Where(s => (names is null || names.Contains(s.Name)) && (prefix is null || s.Name.StartsWith(prefix, StringComparison.Ordinal)))
            .OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        var matching = streams.SelectMany(s => s.Events.Select(e => (Stream: s.Name, Event: e)))
            .Where(x => (start is null || x.Event.Timestamp >= start) && (end is null || x.Event.Timestamp <= end) && pattern.Matches(x.Event.Message))
            .OrderBy(x => x.Event.Timestamp).ThenBy(x => x.Event.Sequence)
            .ToList();
        var limit = Math.Min(body["limit"]?.GetValue<int>() ?? 10000, PageSize ?? int.MaxValue);
        var offset = body["nextToken"]?.GetValue<string>() is { } token ? DecodeToken(token, body) : 0;
        var page = matching.Skip(offset).Take(limit).ToList();
        var more = offset + page.Count < matching.Count;
        var response = new JsonObject
        {
            ["events"] = new JsonArray([.. page.Select(x => (JsonNode)new JsonObject
            {
                ["logStreamName"] = x.Stream,
                ["timestamp"] = x.Event.Timestamp,
                ["message"] = x.Event.Message,
                ["ingestionTime"] = x.Event.IngestionTime,
                ["eventId"] = EventId(x.Event),
            })]),
            ["searchedLogStreams"] = new JsonArray([.. streams.Select(s => (JsonNode)new JsonObject { ["logStreamName"] = s.Name, ["searchedCompletely"] = !more })]),
        };
        return WithToken(response, more ? EncodeToken(offset + page.Count, body) : null);
    }

    /// <summary>Event ids are 56 digits in CloudWatch; here the timestamp and the write order, padded to that length.</summary>
    private static string EventId(LogEventState e) =>
        e.Timestamp.ToString("D20", CultureInfo.InvariantCulture) + e.Sequence.ToString("D36", CultureInfo.InvariantCulture);

    private JsonObject GetLogEvents(JsonObject body)
    {
        var group = Group(body);
        var name = body["logStreamName"]!.GetValue<string>();
        if (!group.Streams.TryGetValue(name, out var stream))
        {
            throw AwsErrorException.Client("ResourceNotFoundException", "The specified log stream does not exist.");
        }

        var start = body["startTime"]?.GetValue<long>();
        var end = body["endTime"]?.GetValue<long>();
        var events = stream.Events.Where(e => (start is null || e.Timestamp >= start) && (end is null || e.Timestamp < end)).ToList();
        var limit = Math.Min(body["limit"]?.GetValue<int>() ?? 10000, PageSize ?? int.MaxValue);
        int from, to;
        switch (body["nextToken"]?.GetValue<string>())
        {
            case null when body["startFromHead"]?.GetValue<bool>() == true:
                (from, to) = (0, Math.Min(limit, events.Count));
                break;
            case null:
                (from, to) = (Math.Max(0, events.Count - limit), events.Count);
                break;
            case { } token when token.StartsWith("f/", StringComparison.Ordinal) && int.TryParse(token[2..], NumberStyles.None, CultureInfo.InvariantCulture, out var forward):
                from = Math.Min(forward, events.Count);
                to = Math.Min(from + limit, events.Count);
                break;
            case { } token when token.StartsWith("b/", StringComparison.Ordinal) && int.TryParse(token[2..], NumberStyles.None, CultureInfo.InvariantCulture, out var backward):
                to = Math.Min(backward, events.Count);
                from = Math.Max(0, to - limit);
                break;
            default:
                throw AwsErrorException.Client("InvalidParameterException", "The specified nextToken is invalid.");
        }

        // The forward token at the end repeats the one given, which is how clients know they have read everything.
        return new JsonObject
        {
            ["events"] = new JsonArray([.. events.Skip(from).Take(to - from).Select(e => (JsonNode)new JsonObject
            {
                ["timestamp"] = e.Timestamp,
                ["message"] = e.Message,
                ["ingestionTime"] = e.IngestionTime,
            })]),
            ["nextForwardToken"] = $"f/{to.ToString("D20", CultureInfo.InvariantCulture)}",
            ["nextBackwardToken"] = $"b/{from.ToString("D20", CultureInfo.InvariantCulture)}",
        };
    }

    private JsonObject DescribeLogStreams(JsonObject body)
    {
        var group = Group(body);
        var prefix = body["logStreamNamePrefix"]?.GetValue<string>();
        var byTime = body["orderBy"]?.GetValue<string>() == "LastEventTime";
        if (byTime && prefix is not null)
        {
            throw AwsErrorException.Client("InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.");
        }

        var streams = group.Streams.Values.Where(s => prefix is null || s.Name.StartsWith(prefix, StringComparison.Ordinal));
        var ordered = byTime
            ? streams.OrderBy(s => s.Events.Count == 0 ? 0 : s.Events[^1].Timestamp).ThenBy(s => s.Name, StringComparer.Ordinal)
            : streams.OrderBy(s => s.Name, StringComparer.Ordinal);
        var list = (body["descending"]?.GetValue<bool>() == true ? ordered.Reverse() : ordered).ToList();
        var limit = Math.Min(body["limit"]?.GetValue<int>() ?? 50, PageSize ?? int.MaxValue);
        var offset = body["nextToken"]?.GetValue<string>() is { } token ? DecodeToken(token, body) : 0;
        var page = list.Skip(offset).Take(limit).ToList();
        var response = new JsonObject
        {
            ["logStreams"] = new JsonArray([.. page.Select(s =>
            {
                var json = new JsonObject
                {
                    ["logStreamName"] = s.Name,
                    ["creationTime"] = s.CreatedAt.ToUnixTimeMilliseconds(),
                    ["arn"] = $"{group.Arn}:log-stream:{s.Name}",
                    ["storedBytes"] = 0,
                };
                if (s.Events.Count > 0)
                {
                    json["firstEventTimestamp"] = s.Events[0].Timestamp;
                    json["lastEventTimestamp"] = s.Events[^1].Timestamp;
                    json["lastIngestionTime"] = s.Events[^1].IngestionTime;
                }

                return (JsonNode)json;
            })]),
        };
        return WithToken(response, offset + page.Count < list.Count ? EncodeToken(offset + page.Count, body) : null);
    }
}

/// <summary>
/// The plain-term part of the CloudWatch Logs filter pattern syntax: terms (all must occur), "quoted phrases",
/// <c>?term</c> alternatives (any must occur) and <c>-term</c> exclusions, matched case-sensitively as
/// substrings. JSON (<c>{ … }</c>), space-delimited (<c>[ … ]</c>) and regular-expression (<c>%…%</c>) patterns
/// are refused rather than silently matched wrong.
/// </summary>
internal sealed record FilterPattern(IReadOnlyList<string> All, IReadOnlyList<string> Any, IReadOnlyList<string> None)
{
    public static FilterPattern Parse(string? text)
    {
        text = text?.Trim() ?? string.Empty;
        if (text.Length > 0 && (text[0] is '{' or '[' || text.Contains('%', StringComparison.Ordinal)))
        {
            throw AwsErrorException.Client("InvalidParameterException",
                "Invalid filter pattern: the test server supports plain terms, \"phrases\", ?alternatives and -exclusions, not JSON, space-delimited or regular-expression patterns.");
        }

        var (all, any, none) = (new List<string>(), new List<string>(), new List<string>());
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == ' ')
            {
                i++;
                continue;
            }

            var kind = text[i] is '?' or '-' ? text[i++] : ' ';
            string term;
            if (i < text.Length && text[i] == '"')
            {
                var close = text.IndexOf('"', i + 1);
                if (close < 0)
                {
                    throw AwsErrorException.Client("InvalidParameterException", "Invalid filter pattern: unterminated quoted term.");
                }

                term = text[(i + 1)..close];
                i = close + 1;
            }
            else
            {
                var space = text.IndexOf(' ', i);
                term = space < 0 ? text[i..] : text[i..space];
                i = space < 0 ? text.Length : space;
            }

            if (term.Length == 0)
            {
                continue;
            }

            (kind switch { '?' => any, '-' => none, _ => all }).Add(term);
        }

        return new FilterPattern(all, any, none);
    }

    public bool Matches(string message) =>
        All.All(t => message.Contains(t, StringComparison.Ordinal))
        && (Any.Count == 0 || Any.Any(t => message.Contains(t, StringComparison.Ordinal)))
        && !None.Any(t => message.Contains(t, StringComparison.Ordinal));
}
