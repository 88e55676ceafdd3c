using System.Collections.Immutable;
using Runbook.Import.Internal.Mapping;
using Runbook.Import.Internal.Shell;
using Runbook.Import.Internal.Yaml;
using Runbook.Language.Actions;

namespace Runbook.Import.Internal.Drafting;

/// <summary>How far a step falls back when the checker rejects what the importer first wrote for it.</summary>
internal enum Fallback
{
    /// <summary>Actions where a provider covers the command, inputs for placeholders and names.</summary>
    None = 0,

    /// <summary>A run: step with inputs, no action.</summary>
    RunWithInputs = 1,

    /// <summary>A run: step with the command exactly as written (only <c>${{</c> kept as text).</summary>
    RunAsWritten = 2,

    /// <summary>An approval step that shows the command for a human to run by hand.</summary>
    ByHand = 3,
}

/// <summary>One step as written, with what the summary says about it and the markdown line it came from.</summary>
internal sealed record EmittedStep(string Id, int SourceLine, Phase Phase, YMap Body, ImmutableArray<string> Comments);

/// <summary>What one emission of a draft produced: the YAML, the markdown line of the step on each YAML line range, and the summary.</summary>
internal sealed record Emission(string Yaml, ImmutableArray<(int Start, int End, int SourceLine)> StepLines, DraftSummary Summary);

/// <summary>Builds the YAML of one draft playbook from its sources, given each step's fallback.</summary>
internal sealed class DraftEmitter(PlaybookSource source, string name, string fileName, ActionCatalog catalog, string? providerHint,
    IReadOnlyDictionary<int, Fallback> fallbacks)
{
    private readonly InputTable _inputs = new();
    private readonly List<EmittedStep> _steps = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly List<MappedStep> _mapped = [];
    private readonly List<ReviewItem> _review = [];
    private readonly List<ApprovalItem> _approvals = [];
    private readonly SortedSet<string> _settings = new(StringComparer.Ordinal);
    private List<string> _pendingComments = [];
    private Phase _machine = Phase.Assess;

    public Emission Emit()
    {
        foreach (var (line, text) in source.Skipped)
        {
            _review.Add(new ReviewItem(line, null, text));
        }

        foreach (var unit in Units(source.Steps))
        {
            EmitUnit(unit);
        }

        return Render();
    }

    private Fallback FallbackOf(int line) => fallbacks.TryGetValue(line, out var f) ? f : Fallback.None;

    /// <summary>Commands that are platform variants of one operation (same name, two or more providers) form one unit; every other source is a unit of its own.</summary>
    private static IEnumerable<ImmutableArray<StepSource>> Units(ImmutableArray<StepSource> sources)
    {
        var i = 0;
        while (i < sources.Length)
        {
            var j = i + 1;
            if (sources[i].Kind == SourceKind.Command)
            {
                while (j < sources.Length && sources[j].Kind == SourceKind.Command && sources[j].Title == sources[i].Title && sources[j].Hint == sources[i].Hint)
                {
                    j++;
                }
            }

            var group = sources[i..j];
            var providers = group.Select(ProviderOf).Distinct().ToList();
            if (group.Length > 1 && providers.Count >= 2 && !providers.Contains(null))
            {
                yield return group;
            }
            else
            {
                foreach (var single in group)
                {
                    yield return [single];
                }
            }

            i = j;
        }
    }

    private static string? ProviderOf(StepSource s) => s.Provider ?? CommandMapper.Platform(ShellWords.Parse(s.Text));

    private void EmitUnit(ImmutableArray<StepSource> unit)
    {
        _pendingComments.AddRange(unit[0].Notes.Select(n => "note: " + n));
        if (unit.Length == 1)
        {
            var only = unit[0];
            if (only.Kind == SourceKind.Message)
            {
                EmitMessage(only);
            }
            else
            {
                EmitCommand(only, null, FallbackOf(only.Line));
            }

            return;
        }

        if (providerHint is not null)
        {
            foreach (var s in unit.Where(s => ProviderOf(s) != providerHint))
            {
                _review.Add(new ReviewItem(s.Line, null, $"left out: the {ProviderOf(s)} variant of '{s.Title}' (--provider-hint {providerHint})"));
            }

            foreach (var s in unit.Where(s => ProviderOf(s) == providerHint))
            {
                EmitCommand(s, null, FallbackOf(s.Line));
            }

            return;
        }

        if (FallbackOf(unit[0].Line) == Fallback.None && TryMerge(unit))
        {
            return;
        }

        foreach (var s in unit)
        {
            EmitCommand(s, ProviderOf(s), FallbackOf(s.Line) == Fallback.None && s == unit[0] ? Fallback.None : FallbackOf(s.Line));
        }
    }

    /// <summary>
    /// One provider-neutral step for the variants of one operation: every variant's commands map to actions, and each
    /// platform's last one is the same action (a revision list before a rollback is what service.rollback does itself).
    /// </summary>
    private bool TryMerge(ImmutableArray<StepSource> unit)
    {
        var calls = unit.Select(s => (Source: s, Provider: ProviderOf(s)!, Call: CommandMapper.Map(ShellWords.Parse(s.Text), catalog))).ToList();
        if (calls.Any(c => c.Call is null))
        {
            return false;
        }

        var finals = calls.GroupBy(c => c.Provider).Select(g => g.Last()).ToList();
        if (finals.Select(f => f.Call!.Action).Distinct().Count() != 1)
        {
            return false;
        }

        var main = finals[0];
        var others = calls.Where(c => !finals.Contains(c)).ToList();
        var notes = new List<string>();
        foreach (var other in finals.Skip(1))
        {
            foreach (var argument in other.Call!.Arguments)
            {
                if (main.Call!.Find(argument.Parameter) is { } mine && mine.Value != argument.Value)
                {
                    notes.Add($"{argument.Parameter}: the {other.Provider} variant says '{argument.Value}', the {main.Provider} one '{mine.Value}'");
                }
            }
        }

        var lines = string.Join(", ", calls.Select(c => c.Source.Line));
        var step = EmitAction(main.Source, main.Call!, null,
            [$"one step for the {string.Join(", ", finals.Select(f => f.Provider))} variants (lines {lines})"]);
        foreach (var other in others)
        {
            _mapped.Add(new MappedStep(step, other.Call!.Action, other.Source.Line, FirstLine(other.Source.Text), $"subsumed by '{step}': {main.Call!.Action} looks it up itself"));
        }

        foreach (var final in finals.Skip(1))
        {
            _mapped.Add(new MappedStep(step, final.Call!.Action, final.Source.Line, FirstLine(final.Source.Text), $"the {final.Provider} variant of '{step}'"));
            AddSettings(final.Call!);
        }

        foreach (var note in notes)
        {
            _review.Add(new ReviewItem(main.Source.Line, step, "variants differ: " + note));
        }

        return true;
    }

    private void EmitCommand(StepSource s, string? provider, Fallback fallback)
    {
        if (fallback == Fallback.None && CommandMapper.Map(ShellWords.Parse(s.Text), catalog) is { } call)
        {
            EmitAction(s, call, provider, []);
            return;
        }

        if (fallback == Fallback.ByHand)
        {
            EmitByHand(s, provider);
            return;
        }

        var script = ScriptRewriter.Rewrite(s.Text, _inputs, s.Assigned, s.Line, substitute: fallback != Fallback.RunAsWritten);
        var readOnly = CommandSafety.IsReadOnly(s.Text);
        var destructive = CommandSafety.Destructive(s.Text);
        var body = new YMap();
        var id = NewId(s.Title, s.Text, provider);
        body.Text("id", id).Text("name", StepName(s, provider));
        AddIf(body, provider);
        body.Text("run", script);
        if (readOnly)
        {
            body.Word("mutates", "false");
        }

        var comments = new List<string> { $"line {s.Line}: {FirstLine(s.Text)}" };
        var why = fallback switch
        {
            Fallback.RunAsWritten => "kept exactly as written: with inputs in it, the checker found a value where the shell would run it as code",
            Fallback.RunWithInputs => "kept as a shell command: the action it maps to was not accepted here",
            _ => CommandMapper.Platform(ShellWords.Parse(s.Text)) is { } platform
                ? $"a {platform} command no action covers: check what it does, and whether the {platform} provider should do it"
                : "a shell command no action covers: check what it does on the machine that runs the playbook",
        };
        comments.Add("review: " + why);
        _review.Add(new ReviewItem(s.Line, id, why));
        if (destructive is not null)
        {
            body.Word("irreversible", "true");
            body.Add("approval", new YMap().Text("message", $"Approve '{StepName(s, provider)}': {destructive}."));
            _approvals.Add(new ApprovalItem(id, s.Line, destructive));
        }

        Place(s, id, body, comments, mutates: !readOnly);
    }

    private string EmitAction(StepSource s, ActionCall call, string? provider, IReadOnlyList<string> extra)
    {
        var id = NewId(s.Title, s.Text, provider);
        var body = new YMap();
        body.Text("id", id).Text("name", StepName(s, provider));
        AddIf(body, provider);
        body.Word("uses", call.Action);
        var with = new YMap();
        foreach (var argument in call.Arguments)
        {
            with.Add(argument.Parameter, Value(argument, s));
        }

        var readOnly = true;
        if (!call.ExecCommand.IsDefault)
        {
            var list = new YList([.. call.ExecCommand.Select(w => new YItem(new YText(ScriptRewriter.Rewrite(w.Value, _inputs, s.Assigned, s.Line, substitute: true))))]);
            with.Add("command", list);
            readOnly = CommandSafety.IsReadOnly(string.Join(' ', call.ExecCommand.Select(w => ShellQuote(w.Value))));
        }

        body.Add("with", with);
        var descriptor = catalog.FindAction(call.Action);
        var mutates = descriptor?.Mutates ?? true;
        if (mutates && !call.ExecCommand.IsDefault && readOnly)
        {
            body.Word("mutates", "false");
            mutates = false;
        }

        var destructive = CommandSafety.Destructive(s.Text);
        if (destructive is not null)
        {
            if (!call.ExecCommand.IsDefault)
            {
                body.Word("irreversible", "true");
            }

            body.Add("approval", new YMap().Text("message", $"Approve '{StepName(s, provider)}': {destructive}."));
            _approvals.Add(new ApprovalItem(id, s.Line, destructive));
        }

        if (Rollback(call, id, with.Entries.FirstOrDefault(e => e.Key == "service")?.Value) is { } rollback)
        {
            body.Add("rollback", rollback);
        }

        var comments = new List<string> { $"line {s.Line}: {FirstLine(s.Text)}" };
        comments.AddRange(extra);
        if (call.Note is { } note)
        {
            comments.Add("review: " + note);
            _review.Add(new ReviewItem(s.Line, id, note));
        }

        _mapped.Add(new MappedStep(id, call.Action, s.Line, FirstLine(s.Text), null));
        AddSettings(call);
        Place(s, id, body, comments, mutates);
        return id;
    }

    private void AddSettings(ActionCall call)
    {
        foreach (var setting in call.Settings)
        {
            _settings.Add($"{setting.Provider} {setting.Name}: {setting.Value}");
        }
    }

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private YNode Value(ArgumentSource argument, StepSource s)
    {
        if (argument.Kind == ValueKind.Count)
        {
            return new YWord(argument.Value);
        }

        var placeholders = Placeholders.Find(argument.Value, s.Assigned).ToList();
        if (placeholders.Count > 0 || argument.Value.Contains("${{", StringComparison.Ordinal))
        {
            return new YText(ScriptRewriter.Rewrite(argument.Value, _inputs, s.Assigned, s.Line, substitute: true));
        }

        var (kind, type, pattern) = argument.Kind switch
        {
            ValueKind.Replicas => ("replicas", "number", (string?)null),
            ValueKind.Revision => ("revision", "string", null),
            ValueKind.Image => ("image", "string", null),
            ValueKind.Namespace => ("namespace", "string", @"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"),
            _ => ("service", "string", @"^[A-Za-z0-9][A-Za-z0-9._-]*$"),
        };
        return new YText(ScriptRewriter.Reference(_inputs.Literal(kind, argument.Value, s.Line, type, pattern)));
    }

    /// <summary>What undoes a mapped change: scale back to the replicas before, or go back to the revision before.</summary>
    private static YMap? Rollback(ActionCall call, string id, YNode? service)
    {
        if (service is null)
        {
            return null;
        }

        return call.Action switch
        {
            "service.scale" => new YMap().Word("uses", "service.scale").Add("with", new YMap()
                .Add("service", service).Text("replicas", "${{ steps." + id + ".outputs.previous_replicas }}")),
            "service.restart" or "service.rollback" or "service.deploy" => new YMap().Word("uses", "service.rollback").Add("with", new YMap()
                .Add("service", service).Text("to", "${{ steps." + id + ".outputs.previous_revision }}")),
            _ => null,
        };
    }

    private void EmitMessage(StepSource s)
    {
        var id = NewId(s.Title, s.Text, null);
        var text = ScriptRewriter.Rewrite(s.Text, _inputs, s.Assigned, s.Line, substitute: true, brackets: true);
        var body = new YMap().Text("id", id).Text("name", StepName(s, null)).Word("uses", "notify.console").Add("with", new YMap().Text("text", text));
        const string why = "a message template: choose where it goes (notify.slack, notify.teams, notify.pagerduty) and its webhook";
        _review.Add(new ReviewItem(s.Line, id, why));
        _mapped.Add(new MappedStep(id, "notify.console", s.Line, FirstLine(s.Text), null));
        Place(s, id, body, [$"line {s.Line}: message template", "review: " + why], mutates: false);
    }

    private void EmitByHand(StepSource s, string? provider)
    {
        var id = NewId(s.Title, s.Text, provider);
        var body = new YMap().Text("id", id).Text("name", StepName(s, provider));
        AddIf(body, provider);
        body.Word("uses", "approval").Add("with", new YMap().Text("message", "Run this by hand, then approve:\n" + ScriptRewriter.Escape(s.Text)));
        const string why = "to do by hand: as a shell step the checker rejects it (a value would stand where the shell runs code)";
        _review.Add(new ReviewItem(s.Line, id, why));
        Place(s, id, body, [$"line {s.Line}: {FirstLine(s.Text)}", "review: " + why], mutates: false);
    }

    private static void AddIf(YMap body, string? provider)
    {
        if (provider is not null)
        {
            body.Text("if", $"${{{{ run.provider == '{provider}' }}}}");
        }
    }

    /// <summary>Puts a step in its phase: the page's (moved to mitigate when it changes things in a read-only phase), or by order when the page names none.</summary>
    private void Place(StepSource s, string id, YMap body, List<string> comments, bool mutates)
    {
        Phase phase;
        if (source.Flow)
        {
            phase = s.Hint ?? Phase.Assess;
            if (mutates && phase is Phase.Assess or Phase.Gather)
            {
                var why = $"moved from {phase.ToString().ToLowerInvariant()} to mitigate: it changes things, and {phase.ToString().ToLowerInvariant()} is read-only";
                comments.Add("review: " + why);
                _review.Add(new ReviewItem(s.Line, id, why));
                phase = Phase.Mitigate;
            }
        }
        else
        {
            if (mutates && _machine is Phase.Assess or Phase.Gather)
            {
                _machine = Phase.Mitigate;
            }
            else if (!mutates && _machine == Phase.Mitigate)
            {
                _machine = Phase.Resolve;
            }

            phase = _machine;
        }

        _steps.Add(new EmittedStep(id, s.Line, phase, body, [.. _pendingComments, .. comments]));
        _pendingComments = [];
    }

    private string NewId(string title, string command, string? provider)
    {
        var basis = title.Length > 0 ? title : string.Join(' ', ShellWords.Parse(command).Words.Take(2).Select(w => w.Value));
        var id = InputTable.Identifier(basis, 40);
        if (provider is not null)
        {
            id += "_" + provider;
        }

        var unique = id;
        for (var i = 2; !_ids.Add(unique); i++)
        {
            unique = $"{id}_{i}";
        }

        return unique;
    }

    private static string StepName(StepSource s, string? provider)
    {
        // Names may hold expressions in the language; text from the markdown never opens one.
        var name = ScriptRewriter.Escape(s.Title.Length > 0 ? s.Title : FirstLine(s.Text));
        return provider is null ? name : $"{name} ({provider})";
    }

    public static string FirstLine(string text)
    {
        var line = text.Split('\n')[0].Trim();
        return line.Length > 100 ? line[..100] + "…" : line;
    }

    private Emission Render()
    {
        var root = new YMap().Word("apiVersion", "runbook/v1").Word("kind", "Playbook").Text("name", name);
        var description = source.Description.Length > 0 ? source.Description + "\n\n" : string.Empty;
        root.Text("description", ScriptRewriter.Escape($"{description}Imported from {fileName}, section \"{source.Section.Title}\" (line {source.Section.Line}); a draft to review."));
        root.Add("labels", new YMap().Text("imported_from", fileName));
        if (_inputs.All.Count > 0)
        {
            var inputs = new YMap();
            foreach (var input in _inputs.All)
            {
                var spec = new YMap().Word("type", input.Type);
                if (input.Default is { } value)
                {
                    spec.Add("default", input.Type == "number" ? new YWord(value) : new YText(value));
                }

                if (input.Pattern is { } pattern)
                {
                    spec.Text("pattern", pattern);
                }

                if (input.FromEnv is { } variable)
                {
                    spec.Text("from", "env:" + variable);
                }

                spec.Text("description", ScriptRewriter.Escape($"From the runbook (line {input.Line}): {input.Origin}."));
                inputs.Add(input.Name, spec);
            }

            root.Add("inputs", inputs);
        }

        var phases = new YMap();
        foreach (var phase in Enum.GetValues<Phase>())
        {
            var steps = _steps.Where(s => s.Phase == phase).ToList();
            if (steps.Count > 0)
            {
                phases.Add(phase.ToString().ToLowerInvariant(), new YList([.. steps.Select(s => new YItem(s.Body, s.Comments))]));
            }
        }

        root.Add("phases", phases);
        var header = new List<string>
        {
            $"Draft imported by runbook import from {fileName}, section \"{source.Section.Title}\" (line {source.Section.Line}).",
            "Review every 'review:' note, the inputs and the approvals before running it.",
        };
        header.AddRange(source.TrailingNotes.Select(n => "note: " + n.Text));
        header.AddRange(_pendingComments);
        var ranges = new List<(int, int)>();
        var yaml = YamlOut.Write(root, header, (start, end) => ranges.Add((start, end)));
        var stepLines = ImmutableArray.CreateBuilder<(int, int, int)>();
        var byOrder = Enum.GetValues<Phase>().SelectMany(p => _steps.Where(s => s.Phase == p)).ToList();
        var outer = ranges.Where(r => !ranges.Any(o => o != r && o.Item1 <= r.Item1 && o.Item2 >= r.Item2)).OrderBy(r => r.Item1).ToList();
        for (var i = 0; i < outer.Count && i < byOrder.Count; i++)
        {
            stepLines.Add((outer[i].Item1, outer[i].Item2, byOrder[i].SourceLine));
        }

        var summary = new DraftSummary(byOrder.Count, [.. _mapped], [.. _inputs.All.Select(i => new DraftInputSummary(i.Name, i.Type, i.Default, i.Origin, i.Line))],
            [.. _approvals], [.. _review.OrderBy(r => r.Line)], [.. _settings]);
        return new Emission(yaml, stepLines.ToImmutable(), summary);
    }
}
