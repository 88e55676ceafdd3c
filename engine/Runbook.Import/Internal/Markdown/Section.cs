using System.Collections.Immutable;

namespace Runbook.Import.Internal.Markdown;

/// <summary>A heading with the blocks under it up to its first sub-heading, and its sub-sections.</summary>
internal sealed record Section(HeadingBlock? Heading, ImmutableArray<MarkdownBlock> Blocks, ImmutableArray<Section> Children)
{
    public string Title => Heading?.Text ?? string.Empty;

    public int Line => Heading?.Line ?? 1;

    /// <summary>The page as a tree: a root without a heading, each heading under the nearest one above it of a lower level.</summary>
    public static Section Tree(ImmutableArray<MarkdownBlock> blocks)
    {
        var position = 0;
        return Build(null, blocks, ref position);
    }

    private static Section Build(HeadingBlock? heading, ImmutableArray<MarkdownBlock> blocks, ref int position)
    {
        var own = ImmutableArray.CreateBuilder<MarkdownBlock>();
        var children = ImmutableArray.CreateBuilder<Section>();
        var level = heading?.Level ?? 0;
        while (position < blocks.Length)
        {
            if (blocks[position] is HeadingBlock next)
            {
                if (next.Level <= level)
                {
                    break;
                }

                position++;
                children.Add(Build(next, blocks, ref position));
                continue;
            }

            if (children.Count == 0)
            {
                own.Add(blocks[position]);
            }
            else
            {
                // Cannot happen: a block after a child belongs to that child. Kept for safety.
                own.Add(blocks[position]);
            }

            position++;
        }

        return new Section(heading, own.ToImmutable(), children.ToImmutable());
    }

    /// <summary>This section's blocks and every sub-section's, in page order, each with the innermost section it is in.</summary>
    public IEnumerable<(Section Section, MarkdownBlock Block)> Walk()
    {
        foreach (var block in Blocks)
        {
            yield return (this, block);
        }

        foreach (var child in Children)
        {
            foreach (var item in child.Walk())
            {
                yield return item;
            }
        }
    }
}
