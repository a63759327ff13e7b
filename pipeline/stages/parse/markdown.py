"""markdown-it as the parse stage runs it: CommonMark with tables and HTML, as GitHub renders."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from markdown_it import MarkdownIt, rules_core
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token

from pipeline.stages.parse.locate import join_text

__all__ = ["Markdown"]


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

    def blocks(self, text: str) -> list[Token]:
        """The block tokens of `text`; inline tokens keep their content unparsed."""
        return self.md.parse(text, self.env)

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
