using System.Text;

namespace Runbook.Cli.Tests.Fuzz;

/// <summary>
/// Turns a playbook into a broken one, the way an editor, a merge or an attacker would: tokens inserted,
/// spans deleted, lines swapped, duplicated or re-indented, values replaced with hostile ones, raw bytes
/// that are not UTF-8. Every choice comes from the <see cref="Random"/> it is given, so a case is a
/// pure function of (seed, case number) and can be replayed.
/// </summary>
internal static class Mutator
{
    /// <summary>Fragments of YAML and expression syntax, inserted anywhere.</summary>
    private static readonly string[] Tokens =
    [
        ":", ": ", "- ", "-", "{", "}", "[", "]", ",", "?", "? ", "|", "|-", ">", ">+", "#", "'", "\"", "`", "\\", "%", "@", "!",
        "&a ", "*a", "&a", "<<: *a", "<<: ", "!!str ", "!!int ", "!!binary ", "!custom ", "---\n", "...\n", "~", "null", "true",
        "${{", "}}", "${{ ", " }}", "${{ inputs.", "${{ steps.", ".outputs.", "${{ format('{0}", "{0}", "{1}", "{{", "}",
        "(", ")", "==", "&&", "||", "!", "[*]", "| string.upcase", "'}}'", "\n", "\r\n", "\r", "\t", "  ", "    ", "\u0000",
        "\u00A0", "\u200B", "\u202E", "\uFEFF", "\u2028", "é", "📋", "\U0001F600", "Ω", "ǅ", "İ", "\u0301", "\uFFFD", "\uFFFF",
    ];

    /// <summary>Values that break assumptions about size, type, encoding or syntax.</summary>
    private static readonly string[] HostileValues =
    [
        "99999999999999999999999999999", "-99999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "2147483648", "-1", "0", "1e309", "-1e309", ".nan", ".inf", "-.inf", "0x7fffffff", "0o777", "1_000", "+12", "00012",
        "\"\\0\"", "\"\\u0000\"", "\"\\uD800\"", "\"\\xFF\"", "\"\\U0010FFFF\"", "\"\\e\\a\"", "''", "\"\"", "~", "null", "[]", "{}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        "{a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: x}}}}}}}}}}}}}}}}}}}}",
        "&a x", "*a", "&b [1, 2]", "*b", "{<<: *a}", "!!binary aGVsbG8=", "!!int 12", "!!float x", "!!map {}", "!!seq []",
        "${{", "${{ }}", "${{ inputs }}", "${{ inputs.nope }}", "${{ 1 + }}", "${{ '}}' }}", "${{ format('{0}{1}', 1) }}",
        "${{ format('}', 1) }}", "${{ format('{', 1) }}", "${{ format('{99999999999}', 1) }}", "${{ format('{0:x}', 1) }}",
        "${{ fromJSON('[1, 2') }}", "${{ fromJSON('99999999999999999999999') }}", "${{ toJSON(steps) }}", "${{ join(inputs, 5) }}",
        "${{ inputs['service'] | string.upcase }}", "${{ steps.x.outputs['a'] }}", "${{ inputs.a[99999999999999999] }}",
        "${{ 99999999999999999999999999 }}", "${{ -9223372036854775808 }}", "${{ 1 / 0 }}", "${{ 1e400 }}", "${{ !!!!!!!!!!x }}",
        "${{ ((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))) }}",
        "${{ hashFiles('/etc/passwd') }}", "${{ env.PATH }}", "${{ run.id }}${{ run.id }}", "${{ contains(inputs, 'a') }}",
        "\u0000", "a\u0000b", "\u202Eevil", "📋📋📋", "\uFEFF", "ǅİ\u0301", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\u2028", "'\u0085'",
        "0s", "0ms", "9999999999999999h", "-5m", "1.5s", "PT5M", "1d", "5 m", "m", "ms", "99999999999999999999s",
        "Assess", "mitigate", "gather", "a-b", "1abc", "_", "x" + new string('y', 300),
    ];

    /// <summary>Bytes that no UTF-8 decoder accepts, or that mean something else in another encoding.</summary>
    private static readonly byte[][] InvalidBytes =
    [
        [0xFF], [0xFE], [0xC3], [0xE9], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xEF, 0xBB, 0xBF],
        [0xFF, 0xFE], [0xFE, 0xFF], [0x00], [0x00, 0x00, 0x00], [0xE2, 0x82],
    ];

    /// <summary>One to four mutations of <paramref name="text"/>, as the bytes of the file to check.</summary>
    public static byte[] Mutate(string text, Random random, List<string> log)
    {
        var lines = text.Split('\n').ToList();
        var count = 1 + random.Next(4);
        byte[]? bytes = null;
        for (var i = 0; i < count; i++)
        {
            switch (random.Next(10))
            {
                case 0:
                case 1:
                    InsertToken(lines, random, log);
                    break;
                case 2:
                    DeleteSpan(lines, random, log);
                    break;
                case 3:
                    SwapLines(lines, random, log);
                    break;
                case 4:
                    DuplicateLine(lines, random, log);
                    break;
                case 5:
                    Reindent(lines, random, log);
                    break;
                case 6:
                case 7:
                    ReplaceValue(lines, random, log);
                    break;
                case 8:
                    AnchorAndMerge(lines, random, log);
                    break;
                default:
                    bytes ??= [];
                    log.Add("raw bytes");
                    break;
            }
        }

        if (log.Count == 0)
        {
            InsertToken(lines, random, log); // the chosen mutations found nothing to act on: never hand back the seed unchanged
        }

        var result = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        return bytes is null ? result : InsertBytes(result, random, log);
    }

    private static int AnyLine(List<string> lines, Random random) => random.Next(lines.Count);

    private static void InsertToken(List<string> lines, Random random, List<string> log)
    {
        var line = AnyLine(lines, random);
        var at = random.Next(lines[line].Length + 1);
        var token = Tokens[random.Next(Tokens.Length)];
        lines[line] = lines[line].Insert(at, token);
        log.Add($"insert {Show(token)} at {line + 1}:{at + 1}");
    }

    private static void DeleteSpan(List<string> lines, Random random, List<string> log)
    {
        var text = string.Join('\n', lines);
        if (text.Length == 0)
        {
            return;
        }

        var start = random.Next(text.Length);
        var length = Math.Min(text.Length - start, 1 + random.Next(random.Next(2) == 0 ? 8 : 120));
        log.Add($"delete {length} characters at offset {start}");
        Replace(lines, text.Remove(start, length));
    }

    private static void SwapLines(List<string> lines, Random random, List<string> log)
    {
        var a = AnyLine(lines, random);
        var b = random.Next(2) == 0 ? Math.Min(lines.Count - 1, a + 1) : AnyLine(lines, random);
        (lines[a], lines[b]) = (lines[b], lines[a]);
        log.Add($"swap lines {a + 1} and {b + 1}");
    }

    private static void DuplicateLine(List<string> lines, Random random, List<string> log)
    {
        var a = AnyLine(lines, random);
        lines.Insert(a, lines[a]);
        log.Add($"duplicate line {a + 1}");
    }

    private static void Reindent(List<string> lines, Random random, List<string> log)
    {
        var a = AnyLine(lines, random);
        var delta = random.Next(-4, 5);
        lines[a] = delta >= 0 ? new string(' ', delta) + lines[a] : lines[a][Math.Min(-delta, lines[a].Length - lines[a].TrimStart(' ').Length)..];
        log.Add($"indent line {a + 1} by {delta}");
    }

    private static void ReplaceValue(List<string> lines, Random random, List<string> log)
    {
        var candidates = Enumerable.Range(0, lines.Count).Where(i => lines[i].Contains(": ", StringComparison.Ordinal) && !lines[i].TrimStart().StartsWith('#')).ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        var line = candidates[random.Next(candidates.Count)];
        var colon = lines[line].IndexOf(": ", StringComparison.Ordinal);
        var value = HostileValues[random.Next(HostileValues.Length)];
        lines[line] = lines[line][..(colon + 2)] + value;
        log.Add($"replace the value at line {line + 1} with {Show(value)}");
    }

    /// <summary>Anchors a mapping value and merges or aliases it elsewhere: YAML features playbooks rarely use.</summary>
    private static void AnchorAndMerge(List<string> lines, Random random, List<string> log)
    {
        var keyed = Enumerable.Range(0, lines.Count).Where(i => lines[i].TrimEnd().EndsWith(':') && !lines[i].TrimStart().StartsWith('#')).ToList();
        if (keyed.Count < 2)
        {
            return;
        }

        var from = keyed[random.Next(keyed.Count)];
        var to = keyed[random.Next(keyed.Count)];
        lines[from] = lines[from].TrimEnd() + " &m";
        var indent = new string(' ', lines[to].Length - lines[to].TrimStart().Length + 2);
        var use = random.Next(3) switch { 0 => indent + "<<: *m", 1 => lines[to].TrimEnd() + " *m", _ => indent + "<<: [*m, *m]" };
        if (use.StartsWith(indent + "<<", StringComparison.Ordinal))
        {
            lines.Insert(to + 1, use);
        }
        else
        {
            lines[to] = use;
        }

        log.Add($"anchor line {from + 1}, use it at line {to + 1}");
    }

    private static byte[] InsertBytes(byte[] text, Random random, List<string> log)
    {
        var insert = InvalidBytes[random.Next(InvalidBytes.Length)];
        var at = random.Next(2) == 0 ? 0 : random.Next(text.Length + 1);
        log.Add($"insert bytes {Convert.ToHexString(insert)} at byte {at}");
        return [.. text.AsSpan(0, at), .. insert, .. text.AsSpan(at)];
    }

    private static void Replace(List<string> lines, string text)
    {
        lines.Clear();
        lines.AddRange(text.Split('\n'));
    }

    private static string Show(string value)
    {
        var shown = new StringBuilder();
        foreach (var c in value.Length > 40 ? value[..40] + "…" : value)
        {
            shown.Append(c < ' ' || c is '\u007F' or '\u2028' or '\u202E' or '\uFEFF' ? $"\\u{(int)c:X4}" : c.ToString());
        }

        return $"'{shown}'";
    }
}
