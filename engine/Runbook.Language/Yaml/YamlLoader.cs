using System.Collections.Immutable;
using Runbook.Language.Diagnostics;
using Runbook.Language.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlScalarStyle = YamlDotNet.Core.ScalarStyle;

namespace Runbook.Language.Yaml;

/// <summary>Reads YAML text into <see cref="YamlNode"/>s with spans, bounded in depth and alias expansion.</summary>
public static class YamlLoader
{
    public const int MaxDepth = 64;

    /// <summary>How many nodes aliases may add in all; a "billion laughs" file stops here.</summary>
    public const long MaxAliasExpansion = 10_000;

    public static YamlNode? Load(SourceText source, DiagnosticBag diagnostics)
    {
        if (string.IsNullOrWhiteSpace(source.Text))
        {
            diagnostics.Add(Descriptors.EmptyFile, SourceSpan.None(source.Path), "file is empty",
                "start with 'apiVersion: runbook/v1' and 'kind: Playbook' (see docs/language.md)");
            return null;
        }

        if (ReportTabIndentation(source, diagnostics))
        {
            return null;
        }

        var builder = new Builder(source, diagnostics);
        try
        {
            return builder.Read();
        }
        catch (YamlException ex)
        {
            diagnostics.Add(Descriptors.YamlSyntax, SpanOf(source, ex.Start, ex.End), CleanMessage(ex.Message),
                "check indentation, quoting and that every ':' after a key is followed by a space");
            return null;
        }
        catch (BuilderStop)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this for some malformed flow collections; report where it stopped.
            var at = builder.LastGoodPosition;
            diagnostics.Add(Descriptors.YamlSyntax, new SourceSpan(source.Path, at, at),
                "invalid YAML after this point (an unclosed '[' or '{'?)",
                "close every flow collection and check the quoting on the following lines");
            return null;
        }
    }

    private static bool ReportTabIndentation(SourceText source, DiagnosticBag diagnostics)
    {
        var found = false;
        for (var line = 1; line <= source.LineCount; line++)
        {
            var text = source.LineText(line);
            for (var col = 0; col < text.Length && text[col] is ' ' or '\t'; col++)
            {
                if (text[col] == '\t' && text.AsSpan(col).TrimStart(" \t").Length > 0)
                {
                    diagnostics.Add(Descriptors.TabIndentation, SourceSpan.At(source.Path, line, col + 1),
                        "YAML does not allow tabs for indentation", "indent with spaces (two per level is conventional)");
                    found = true;
                    break;
                }
            }
        }

        return found;
    }

    private static string CleanMessage(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (...): "; our span already says where.
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        var text = cut >= 0 ? message[(cut + 3)..] : message;
        return text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..].TrimEnd('.') : "invalid YAML";
    }

    /// <summary>
    /// A span from YamlDotNet's marks, through their character index. Its own line and column count a lone
    /// '\r', NEL (U+0085) and the Unicode line and paragraph separators as line breaks, which no editor's
    /// line numbers (nor <see cref="SourceText"/>'s) do: past such a character every position was off.
    /// </summary>
    private static SourceSpan SpanOf(SourceText source, Mark start, Mark end) =>
        source.Span(Offset(start), Math.Max(Offset(start), Offset(end)));

    private static int Offset(Mark mark) => (int)Math.Clamp(mark.Index, 0, int.MaxValue);

    private sealed class BuilderStop : Exception
    {
    }

    private sealed class Builder(SourceText source, DiagnosticBag diagnostics)
    {
        private readonly Parser _parser = new(new StringReader(source.Text));
        private readonly Dictionary<string, (YamlNode Node, long Size)> _anchors = new(StringComparer.Ordinal);
        private long _aliasExpansion;

        public SourcePosition LastGoodPosition =>
            _parser.Current is { } e ? source.PositionOf(Offset(e.End)) : new SourcePosition(1, 1);

        public YamlNode? Read()
        {
            _parser.Consume<StreamStart>();
            if (_parser.Accept<StreamEnd>(out _))
            {
                diagnostics.Add(Descriptors.EmptyFile, SourceSpan.None(source.Path), "file holds no YAML document",
                    "start with 'apiVersion: runbook/v1' and 'kind: Playbook'");
                return null;
            }

            _parser.Consume<DocumentStart>();
            var (root, _) = ReadNode(0);
            _parser.Consume<DocumentEnd>();
            if (_parser.Accept<DocumentStart>(out var second))
            {
                diagnostics.Add(Descriptors.MultipleDocuments, SpanOf(source, second.Start, second.End),
                    "a playbook file holds one YAML document; found a second '---'", "move the second playbook into its own file");
            }

            return root;
        }

        private (YamlNode Node, long Size) ReadNode(int depth)
        {
            if (depth > MaxDepth)
            {
                var current = _parser.Current!;
                diagnostics.Add(Descriptors.NestingTooDeep, SpanOf(source, current.Start, current.End),
                    $"nesting deeper than {MaxDepth} levels", "flatten the structure; playbooks never need this depth");
                throw new BuilderStop();
            }

            if (_parser.TryConsume<AnchorAlias>(out var alias))
            {
                var span = SpanOf(source, alias.Start, alias.End);
                if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                {
                    diagnostics.Add(Descriptors.UnknownAnchor, span, $"alias '*{alias.Value}' refers to no anchor defined before it",
                        $"define '&{alias.Value}' earlier in the file");
                    throw new BuilderStop();
                }

                _aliasExpansion += target.Size;
                if (_aliasExpansion > MaxAliasExpansion)
                {
                    diagnostics.Add(Descriptors.AliasExpansion, span,
                        $"aliases expand to more than {MaxAliasExpansion:N0} nodes (an exponential 'billion laughs' structure?)",
                        "write the repeated part out or reduce the nesting of aliases");
                    throw new BuilderStop();
                }

                return target;
            }

            (YamlNode Node, long Size) result;
            string? anchor;
            if (_parser.TryConsume<Scalar>(out var scalar))
            {
                anchor = scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value;
                result = (ToScalar(scalar), 1);
            }
            else if (_parser.TryConsume<SequenceStart>(out var seqStart))
            {
                anchor = seqStart.Anchor.IsEmpty ? null : seqStart.Anchor.Value;
                var items = ImmutableArray.CreateBuilder<YamlNode>();
                long size = 1;
                while (!_parser.TryConsume<SequenceEnd>(out var seqEnd))
                {
                    var (item, itemSize) = ReadNode(depth + 1);
                    items.Add(item);
                    size = Saturate(size + itemSize);
                }

                result = (new YamlSequence(SpanOf(source, seqStart.Start, seqStart.End), items.ToImmutable()), size);
            }
            else
            {
                var mapStart = _parser.Consume<MappingStart>();
                anchor = mapStart.Anchor.IsEmpty ? null : mapStart.Anchor.Value;
                var entries = ImmutableArray.CreateBuilder<KeyValuePair<YamlScalar, YamlNode>>();
                var explicitKeys = new Dictionary<string, YamlScalar>(StringComparer.Ordinal);
                long size = 1;
                while (!_parser.TryConsume<MappingEnd>(out _))
                {
                    var keyEvent = _parser.Current!;
                    var (key, keySize) = ReadNode(depth + 1);
                    var (value, valueSize) = ReadNode(depth + 1);
                    size = Saturate(size + keySize + valueSize);
                    if (key is not YamlScalar keyScalar)
                    {
                        diagnostics.Add(Descriptors.WrongType, SpanOf(source, keyEvent.Start, keyEvent.End),
                            $"mapping keys must be plain names, found {key.KindName}", "write the key as a plain string");
                        continue;
                    }

                    if (keyScalar.Value == "<<")
                    {
                        // Merge key: entries of the merged mapping(s) come first; explicit keys override them.
                        foreach (var merged in value is YamlSequence s ? s.Items : [value])
                        {
                            if (merged is YamlMapping m)
                            {
                                entries.AddRange(m.Entries.Where(e => entries.FindIndex(x => x.Key.Value == e.Key.Value) < 0));
                            }
                        }

                        continue;
                    }

                    if (explicitKeys.TryGetValue(keyScalar.Value, out var first))
                    {
                        diagnostics.Add(Descriptors.DuplicateKey, keyScalar.Span,
                            $"key '{keyScalar.Value}' is already defined at line {first.Span.Line}",
                            "remove one of them; YAML would silently keep only the last");
                        continue;
                    }

                    // An explicit key overrides one brought in by a merge key.
                    var existing = entries.FindIndex(e => e.Key.Value == keyScalar.Value);
                    if (existing >= 0)
                    {
                        entries.RemoveAt(existing);
                    }

                    explicitKeys[keyScalar.Value] = keyScalar;
                    entries.Add(new(keyScalar, value));
                }

                result = (new YamlMapping(SpanOf(source, mapStart.Start, mapStart.End), entries.ToImmutable()), size);
            }

            if (anchor is not null)
            {
                _anchors[anchor] = result;
            }

            return result;
        }

        private static long Saturate(long value) => Math.Min(value, long.MaxValue / 4);

        private YamlScalar ToScalar(Scalar scalar)
        {
            var style = scalar.Style switch
            {
                YamlScalarStyle.SingleQuoted => ScalarStyle.SingleQuoted,
                YamlScalarStyle.DoubleQuoted => ScalarStyle.DoubleQuoted,
                YamlScalarStyle.Literal => ScalarStyle.Literal,
                YamlScalarStyle.Folded => ScalarStyle.Folded,
                _ => ScalarStyle.Plain,
            };
            return new YamlScalar(SpanOf(source, scalar.Start, scalar.End), scalar.Value, style, source,
                (int)scalar.Start.Index, (int)scalar.End.Index);
        }
    }
}

internal static class BuilderExtensions
{
    public static int FindIndex<T>(this ImmutableArray<T>.Builder builder, Predicate<T> match)
    {
        for (var i = 0; i < builder.Count; i++)
        {
            if (match(builder[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
