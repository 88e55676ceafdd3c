using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Runbook.Language.Actions;
using Runbook.Language.Text;

namespace Runbook.Language.Tests.Robustness;

/// <summary>
/// Random playbook-shaped YAML trees — the language's own keys with hostile scalars, nested maps and lists,
/// written in block or flow style with plain, single- or double-quoted scalars — never make the loader throw,
/// and every diagnostic they cause points inside the file.
/// </summary>
public sealed class YamlTreeProperties
{
    private abstract record Node;

    private sealed record Scalar(string Value, int Style) : Node;

    private sealed record Map(IReadOnlyList<(string Key, Node Value)> Entries) : Node;

    private sealed record Seq(IReadOnlyList<Node> Items) : Node;

    private static readonly string[] Keys =
    [
        "apiVersion", "kind", "name", "description", "severity", "labels", "inputs", "type", "default", "required", "pattern", "min",
        "max", "values", "from", "phases", "assess", "gather", "communicate", "mitigate", "resolve", "id", "run", "uses", "with",
        "needs", "if", "mutates", "idempotent", "retry", "attempts", "interval", "timeout", "rollback", "approval", "on_failure",
        "shell", "env", "outputs", "service", "replicas", "url", "expect_status", "query", "template", "x", "<<", "",
    ];

    private static readonly string[] Values =
    [
        "runbook/v1", "Playbook", "string", "number", "boolean", "enum", "duration", "secret", "uptime", "echo hi", "service.describe",
        "service.scale", "notify.console", "http.check", "sql.query", "wait.sleep", "playbook.run", "true", "false", "null", "~", "",
        "0", "-1", "3", "1e309", "99999999999999999999999", "-9223372036854775809", ".nan", "0x10", "5m", "0s", "-5m", "999999999h",
        "P1", "abort", "continue", "rollback", "a-b", "s1", "s2", "${{ inputs.x }}", "${{ steps.s1.outputs.stdout }}", "${{",
        "}}", "${{ }}", "${{ format('}', 1) }}", "${{ format('{1}', 1) }}", "${{ fromJSON('[') }}", "${{ inputs.x | string.upcase }}",
        "${{ 1 +* 2 }}", "${{ x = 1 }}", "${{ env.HOME }}", "\0", "a\0b", "\r", "a\rb", "\u0085", "\u2028", "\u2029", "\uFEFF",
        "\u202E", "📋", "\uD83D", "a\nb", "a: b", "- a", "# no", "&a", "*a", "!!str", "'", "\"", "\\",
    ];

    private static Gen<Node> ScalarGen() =>
        Gen.Elements(Values).SelectMany(v => Gen.Choose(0, 2).Select(style => (Node)new Scalar(v, style)));

    private static Gen<List<T>> Few<T>(Gen<T> item, int most) => Gen.Choose(0, most).SelectMany(n => Gen.ListOf(item, n));

    private static Gen<(string Key, Node Value)> Entry(int depth) => Gen.Zip(Gen.Elements(Keys), NodeGen(depth), (k, v) => (k, v));

    private static Gen<Node> NodeGen(int depth) => depth <= 0
        ? ScalarGen()
        : Gen.Frequency(
            (4, ScalarGen()),
            (2, Few(Entry(depth - 1), 6).Select(e => (Node)new Map([.. e]))),
            (1, Few(NodeGen(depth - 1), 5).Select(items => (Node)new Seq([.. items]))));

    /// <summary>A playbook skeleton whose steps and inputs are random trees, so the binder and checker see them too.</summary>
    private static Gen<(Node Tree, bool Flow)> PlaybookGen() =>
        from inputs in NodeGen(3)
        from phase in Gen.Elements("assess", "gather", "communicate", "mitigate", "resolve", "other")
        from steps in Few(NodeGen(3), 4)
        from extra in Few(Entry(2), 3)
        from flow in Gen.Elements(false, false, true)
        select ((Node)new Map(
        [
            ("apiVersion", new Scalar("runbook/v1", 0)), ("kind", new Scalar("Playbook", 0)), ("name", new Scalar("generated", 0)),
            ("inputs", inputs), ("phases", new Map([(phase, new Seq([.. steps]))])), .. extra,
        ]), flow);

    [FsCheck.Xunit.Property(MaxTest = 400)]
    public Property Any_playbook_shaped_YAML_tree_loads_into_diagnostics_inside_the_file() =>
        Prop.ForAll(PlaybookGen().ToArbitrary(), generated =>
        {
            var text = generated.Flow ? Flow(generated.Tree) + "\n" : Block(generated.Tree, 0);
            var loaded = PlaybookLoader.Load(new SourceText("generated.yaml", text), ActionCatalog.Create([]));
            var outside = loaded.Diagnostics.FirstOrDefault(d => !Inside(text, d.Span));
            return (outside is null).Label($"{outside} points outside the file:\n{text}");
        });

    /// <summary>Line within the file, columns within their line (one past its end allowed), end not before start.</summary>
    internal static bool Inside(string text, SourceSpan span)
    {
        var lines = text.Split('\n');
        bool Fits(SourcePosition p) => p.Line >= 1 && p.Line <= lines.Length && p.Column >= 1 && p.Column <= lines[p.Line - 1].Length + 1;
        return Fits(span.Start) && Fits(span.End)
            && (span.End.Line > span.Start.Line || (span.End.Line == span.Start.Line && span.End.Column >= span.Start.Column));
    }

    private static string Block(Node node, int indent)
    {
        var pad = new string(' ', indent);
        var text = new StringBuilder();
        switch (node)
        {
            case Map { Entries.Count: 0 }:
                return pad + "{}\n";
            case Seq { Items.Count: 0 }:
                return pad + "[]\n";
            case Map map:
                foreach (var (key, value) in map.Entries)
                {
                    text.Append(pad).Append(Write(new Scalar(key, 0))).Append(':');
                    text.Append(value is Scalar scalar ? " " + Write(scalar) + "\n" : "\n" + Block(value, indent + 2));
                }

                return text.ToString();
            case Seq seq:
                foreach (var item in seq.Items)
                {
                    text.Append(pad).Append("- ").Append(item is Scalar scalar ? Write(scalar) : Flow(item)).Append('\n');
                }

                return text.ToString();
            default:
                return pad + Write((Scalar)node) + "\n";
        }
    }

    private static string Flow(Node node) => node switch
    {
        Map map => "{" + string.Join(", ", map.Entries.Select(e => Write(new Scalar(e.Key, 2)) + ": " + Flow(e.Value))) + "}",
        Seq seq => "[" + string.Join(", ", seq.Items.Select(Flow)) + "]",
        _ => Write(node is Scalar { Style: 0 } s ? s with { Style = 2 } : (Scalar)node),
    };

    /// <summary>Plain as written (so YAML may read it as something else: that is the point), or quoted with escapes.</summary>
    private static string Write(Scalar scalar) => scalar.Style switch
    {
        0 => scalar.Value,
        1 => "'" + scalar.Value.Replace("'", "''", StringComparison.Ordinal) + "'",
        _ => "\"" + string.Concat(scalar.Value.Select(c => c switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            _ when c < ' ' || char.IsSurrogate(c) || c is '\u0085' or '\u2028' or '\u2029' => "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture),
            _ => c.ToString(),
        })) + "\"",
    };
}
