using System.Text;

namespace Runbook.Language.Text;

/// <summary>
/// Finds text that was UTF-8, decoded as a single-byte code page (Windows-1252, -1254, Latin-1) and saved again,
/// as in "ğŸ“‹" for "📋" or "â€™" for "’".
/// </summary>
internal static class Mojibake
{
    internal readonly record struct Finding(int Offset, int Length, string Repaired);

    // Windows-1252 0x80–0x9F; Windows-1254 differs from Latin-1 in six letters (Ğ ğ İ ı Ş ş).
    private const string Cp1252High = "€\0‚ƒ„…†‡ˆ‰Š‹Œ\0Ž\0\0‘’“”•–—˜™š›œ\0žŸ";

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
