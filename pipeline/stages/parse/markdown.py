"""markdown-it as the parse stage runs it: CommonMark with tables and HTML, as GitHub renders."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from markdown_it import MarkdownIt, rules_core
from markdown_it.parser_block import ParserBlock
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token

from pipeline.stages.parse.locate import join_text

__all__ = ["BLOCK_NESTING", "Markdown"]

# How deep blocks may nest (a blockquote level counts one, a list level two). markdown-it
# takes a pass over a container's lines for each level, so the limit bounds the cost;
# what sits deeper is not read as Markdown (the walker scans it for URLs instead).
BLOCK_NESTING = 100
# Emphasis and links inside each other: CommonMark's preset limit, as before.
_INLINE_NESTING = 20


class Markdown:
    """CommonMark with tables; HTML stays on, as GitHub renders it.

    The block structure is parsed first; each inline token's tree is parsed by
    markdown-it's own rules when the walker reads it, and dropped after, so the
    inline trees of 10,000 entries never sit in memory at once.
    """

    def __init__(self) -> None:
        # store_labels marks a reference link (`[text][label]`): its URL is not written there.
        self.md = MarkdownIt("commonmark", {"html": True, "store_labels": True}).enable("table")
        self.md.core.ruler.disable(["inline", "text_join"])
        self.env: dict[str, object] = {}  # link reference definitions, found by the block parse
        block = _BoundedBlock()
        block.ruler = self.md.block.ruler  # the rules as the preset and `table` set them
        self.md.block = block

    @property
    def too_deep(self) -> list[tuple[int, int]]:
        """0-based [start, end) line ranges nested past BLOCK_NESTING, which were not read."""
        block = self.md.block
        return block.too_deep if isinstance(block, _BoundedBlock) else []

    def blocks(self, text: str) -> list[Token]:
        """The block tokens of `text`; inline tokens keep their content unparsed."""
        # Blocks may nest deeper than inlines: GitHub renders a list 10 levels deep, which
        # CommonMark's preset limit (20 levels, a list item counting two) dropped unread.
        self.md.options["maxNesting"] = BLOCK_NESTING
        try:
            return self.md.parse(text, self.env)
        finally:
            self.md.options["maxNesting"] = _INLINE_NESTING

    @contextmanager
    def children(self, token: Token) -> Iterator[list[Token]]:
        """An inline token's children while the caller reads them, then dropped."""
        state = StateCore(token.content, self.md, self.env, [token])
        rules_core.inline(state)
        # text_join, keeping how the source writes each escape and entity: link columns
        # come from the source, never from a search that could land in a comment.
        token.children = join_text(token.children or [])
        try:
            yield token.children or []
        finally:
            token.children = None


class _BoundedBlock(ParserBlock):
    """markdown-it's block parser, noting each range it skips for being nested too deep."""

    def __init__(self) -> None:
        super().__init__()
        self.too_deep: list[tuple[int, int]] = []

    def tokenize(self, state: StateBlock, startLine: int, endLine: int) -> None:
        """Tokenize as markdown-it does; at the nesting limit it skips to `endLine`."""
        if state.level >= state.md.options.maxNesting and startLine < endLine:
            self.too_deep.append((startLine, endLine))
        super().tokenize(state, startLine, endLine)
