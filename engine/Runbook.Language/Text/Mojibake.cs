using System.Text;

namespace Runbook.Language.Text;

/// <summary>
/// Finds text that was UTF-8, decoded as a single-byte code page (Windows-1252, -1254, Latin-1) and saved again,
/// as in "ğŸ“‹" for "📋" or "â€™" for "’".
/// </summary>
public static class Mojibake
{
    public readonly record struct Finding(int Offset, int Length, string Repaired);

    /// <summary>
    /// The text with every garbled run decoded back. A character whose UTF-8 sequence lost one continuation byte on
    /// the way (Windows-1252 has no character for 0x81, 0x8D, 0x8F, 0x90 and 0x9D, so converters drop them) becomes
    /// U+FFFD and its offset is listed in <see cref="Repaired.Lost"/>: which character it was cannot be known. When a
    /// run is no UTF-8 at all (real accented text mixed with garbled text), <see cref="Repaired.Text"/> is null and
    /// <see cref="Repaired.Unrepairable"/> says where. Text without any garbled run comes back unchanged.
    /// </summary>
    public static Repaired Repair(string text)
    {
        if (Find(text) is null)
        {
            return new Repaired(text, 0, null, []);
        }

        var result = new StringBuilder(text.Length);
        var lost = new List<int>();
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] < 0x80 || ToByte(text[i]) is not { } first || first < 0x80)
            {
                result.Append(text[i]);
                continue;
            }

            var end = i;
            var bytes = new List<byte>();
            while (end < text.Length && ToByte(text[end]) is { } b && b >= 0x80)
            {
                bytes.Add(b);
                end++;
            }

            for (var k = 0; k < bytes.Count;)
            {
                var lead = bytes[k];
                var expected = lead is >= 0xF0 and <= 0xF4 ? 4 : lead >= 0xE0 && lead < 0xF0 ? 3 : lead is >= 0xC2 and < 0xE0 ? 2 : 0;
                var continuation = 0;
                while (k + 1 + continuation < bytes.Count && continuation < expected - 1 && bytes[k + 1 + continuation] is >= 0x80 and <= 0xBF)
                {
                    continuation++;
                }

                if (expected == 0 || continuation < expected - 2)
                {
                    return new Repaired(null, count, i + k, [.. lost]);
                }

                if (continuation == expected - 2)
                {
                    lost.Add(i + k);
                    result.Append('\uFFFD');
                    k += 1 + continuation;
                    continue;
                }

                try
                {
                    result.Append(new UTF8Encoding(false, true).GetString([.. bytes.GetRange(k, expected)]));
                }
                catch (DecoderFallbackException)
                {
                    return new Repaired(null, count, i + k, [.. lost]);
                }

                k += expected;
            }

            count++;
            i = end - 1;
        }

        return new Repaired(result.ToString(), count, null, [.. lost]);
    }

    /// <summary>What <see cref="Repair"/> made of a text: the repaired text, how many runs it decoded, where characters lost a byte, or where it stopped.</summary>
    public readonly record struct Repaired(string? Text, int Count, int? Unrepairable, IReadOnlyList<int> Lost);

    // Windows-1252 0x80–0x9F; Windows-1254 differs from Latin-1 in six letters (Ğ ğ İ ı Ş ş).
    private const string Cp1252High = "€\0‚ƒ„…†‡ˆ‰Š‹Œ\0Ž\0\0‘’“”•–—˜™š›œ\0žŸ";

    /// <summary>The first run of characters that reads as UTF-8 seen through a legacy code page, if any.</summary>
    public static Finding? Find(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] < 0x80)
            {
                continue;
            }

            var end = i;
            var bytes = new List<byte>();
            while (end < text.Length && ToByte(text[end]) is { } b && b >= 0x80)
            {
                bytes.Add(b);
                end++;
            }

            if (bytes.Count >= 2 && TryDecode(bytes, out var repaired))
            {
                return new Finding(i, end - i, repaired);
            }

            i = Math.Max(i, end);
        }

        return null;
    }

    private static bool TryDecode(List<byte> bytes, out string repaired)
    {
        repaired = string.Empty;
        var lead = bytes[0];
        var expected = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
        if (expected == 0 || bytes.Count < expected)
        {
            return false;
        }

        try
        {
            repaired = new UTF8Encoding(false, true).GetString([.. bytes.GetRange(0, expected)]);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static byte? ToByte(char c) => c switch
    {
        < '\u0100' => (byte)c,
        'Ğ' => 0xD0,
        'ğ' => 0xF0,
        'İ' => 0xDD,
        'ı' => 0xFD,
        'Ş' => 0xDE,
        'ş' => 0xFE,
        _ => Cp1252High.IndexOf(c, StringComparison.Ordinal) is var k and >= 0 ? (byte)(0x80 + k) : null,
    };
}
