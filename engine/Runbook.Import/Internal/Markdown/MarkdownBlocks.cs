using System.Collections.Immutable;

namespace Runbook.Import.Internal.Markdown;

/// <summary>One block of a markdown page, with the 1-based line it starts on.</summary>
internal abstract record MarkdownBlock(int Line);

/// <summary>An ATX heading (<c>## Text</c>).</summary>
internal sealed record HeadingBlock(int Line, int Level, string Text) : MarkdownBlock(Line);

/// <summary>A fenced code block: its info string's first word (the language, lower case) and its lines; line 1 of the code is <c>Line + 1</c>.</summary>
internal sealed record CodeBlock(int Line, string Language, ImmutableArray<string> Lines) : MarkdownBlock(Line)
{
    /// <summary>Shell blocks are the ones whose commands become steps; other languages are configuration or code to keep as text.</summary>
    public bool IsShell => Language is "bash" or "sh" or "shell" or "zsh" or "console" or "shell-session";
}

/// <summary>One item of a bulleted or numbered list.</summary>
internal sealed record ListItemBlock(int Line, bool Ordered, string Text) : MarkdownBlock(Line);

/// <summary>A pipe table: header row first, the delimiter row left out.</summary>
internal sealed record TableBlock(int Line, ImmutableArray<ImmutableArray<string>> Rows) : MarkdownBlock(Line);

/// <summary>Consecutive lines of prose, joined by spaces.</summary>
internal sealed record ParagraphBlock(int Line, string Text) : MarkdownBlock(Line);
