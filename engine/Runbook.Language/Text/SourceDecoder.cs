using System.Text;
using Runbook.Language.Diagnostics;

namespace Runbook.Language.Text;

/// <summary>Turns a file's bytes into text, or says clearly why it cannot.</summary>
public static class SourceDecoder
{
    /// <summary>Playbooks are small; anything larger is almost certainly the wrong file.</summary>
    public const int MaxFileBytes = 4 * 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static SourceText? Decode(string path, ReadOnlySpan<byte> bytes, DiagnosticBag diagnostics)
    {
        if (bytes.Length > MaxFileBytes)
        {
            ReportTooLarge(path, bytes.Length, diagnostics);
            return null;
        }

        string text;
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }
        else if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE, 0, 0]) || bytes.StartsWith((ReadOnlySpan<byte>)[0, 0, 0xFE, 0xFF]))
        {
            return DecodeWithBom(path, bytes, "UTF-32", diagnostics,
                bytes[0] == 0xFF ? new UTF32Encoding(false, true, true) : new UTF32Encoding(true, true, true), 4);
        }
        else if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return DecodeWithBom(path, bytes, "UTF-16", diagnostics,
                new UnicodeEncoding(bigEndian: bytes[0] == 0xFE, byteOrderMark: true, throwOnInvalidBytes: true), 2);
        }

        var nul = bytes.IndexOf((byte)0);
        if (nul >= 0)
        {
            diagnostics.Add(Descriptors.BinaryFile, At(path, bytes, nul),
                "file contains NUL bytes: it is binary, not a YAML playbook",
                "point runbook at the .yaml playbook, or remove this file from the folder");
            return null;
        }

        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            var offset = ex.Index >= 0 ? ex.Index : FirstInvalidUtf8(bytes);
            var b = offset < bytes.Length ? bytes[offset] : (byte)0;
            diagnostics.Add(Descriptors.InvalidEncoding, At(path, bytes, offset),
                $"byte 0x{b:X2} is not valid UTF-8; the file looks like Windows-1252 or Latin-1 text",
                "re-save the file as UTF-8, e.g. iconv -f cp1252 -t utf-8");
            return null;
        }

        return Finish(path, text, diagnostics);
    }

    /// <summary>Reports a file over <see cref="MaxFileBytes"/>; callers check the length before reading it.</summary>
    public static void ReportTooLarge(string path, long length, DiagnosticBag diagnostics) =>
        diagnostics.Add(Descriptors.FileTooLarge, SourceSpan.None(path),
            $"file is {length / 1024 / 1024.0:0.0} MiB; playbooks are limited to {MaxFileBytes / 1024 / 1024} MiB",
            "split it into smaller playbooks joined with playbook.run");

    private static SourceText? DecodeWithBom(string path, ReadOnlySpan<byte> bytes, string name, DiagnosticBag diagnostics, Encoding encoding, int bomLength)
    {
        try
        {
            return Finish(path, encoding.GetString(bytes[bomLength..]), diagnostics);
        }
        catch (DecoderFallbackException)
        {
            diagnostics.Add(Descriptors.InvalidEncoding, SourceSpan.None(path),
                $"file starts with a {name} byte-order mark but is not valid {name}",
                "re-save the file as UTF-8");
            return null;
        }
    }

    private static SourceText? Finish(string path, string text, DiagnosticBag diagnostics)
    {
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            diagnostics.Add(Descriptors.BinaryFile, SourceSpan.None(path), "file contains NUL characters: it is binary, not a YAML playbook",
                "point runbook at the .yaml playbook");
            return null;
        }

        var source = new SourceText(path, text.Replace("\r\n", "\n", StringComparison.Ordinal));
        var mojibake = Mojibake.Find(source.Text);
        if (mojibake is { } at)
        {
            diagnostics.Add(Descriptors.MisEncodedText, source.Span(at.Offset, at.Offset + at.Length),
                $"'{source.Text.Substring(at.Offset, at.Length)}' looks like UTF-8 that was read as a legacy code page; it was probably '{at.Repaired}'",
                "re-save the original as UTF-8 without converting it, or replace the garbled characters");
        }

        return source;
    }

    private static SourceSpan At(string path, ReadOnlySpan<byte> bytes, int offset)
    {
        var before = bytes[..Math.Min(offset, bytes.Length)];
        var line = before.Count((byte)'\n') + 1;
        var lastBreak = before.LastIndexOf((byte)'\n');
        return SourceSpan.At(path, line, offset - lastBreak);
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var status = System.Text.Unicode.Utf8.ToUtf16(bytes, new char[bytes.Length], out var read, out _, replaceInvalidSequences: false);
        return status == System.Buffers.OperationStatus.Done ? bytes.Length : read;
    }
}
