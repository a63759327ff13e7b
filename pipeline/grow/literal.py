"""Which of a model entry's literal text is the list's markup and which a field no source gives.

Literal text that differs between entries of the same shape (an ordered list's number, a
table's "keywords" cell, a description) is a field no source gives: it becomes a marked
placeholder (`TODO:text`), never a copy of another paper's. Spaces and punctuation the
model writes otherwise than most entries of its shape are written their way (lines.py).
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

from pipeline.grow.lines import majority_markup
from pipeline.grow.template import PLACEHOLDER, Piece, placeholder

__all__ = ["ends_inside_image", "literal_text", "varying_cells"]

_TOKEN = re.compile(r"\s+|[A-Za-z0-9]+|[^\sA-Za-z0-9]")


def _variable(ours: str, others: list[str], step: int | None) -> str:
    """`ours` with the words most other entries do not share replaced by placeholders.

    A token is the list's own markup when at least half of `others` (the same
    literal in entries of the same shape) have it too. A number that differs
    (an ordered list's, an anchor's) counts on from the neighbour's when the
    template is the new entry's neighbour (`step`); a run of words is one
    placeholder.
    """
    if not others or all(other == ours for other in others):
        return ours
    tokens = _TOKEN.findall(ours)
    shared = [0] * len(tokens)
    for other in others:
        theirs = _TOKEN.findall(other)
        matcher = SequenceMatcher(a=tokens, b=theirs, autojunk=False)
        for block in matcher.get_matching_blocks():
            for i in range(block.a, block.a + block.size):
                shared[i] += 1
    label = _label_tokens(tokens) | _image_tokens(tokens)
    comment = _spanned(tokens, _COMMENT)  # a closing comment is lines.py's (end_comment)
    # Markup is what (nearly) every entry of the shape has; a value several share is a field.
    need = max(1, -(-len(others) * 4 // 5))
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        joined = "".join(run)
        run.clear()
        core = joined.strip()
        if not core:
            out.append(joined)
            return
        lead = joined[: len(joined) - len(joined.lstrip())]
        trail = joined[len(joined.rstrip()) :]
        out.append(lead + placeholder("text") + trail)

    for index, (token, count) in enumerate(zip(tokens, shared, strict=True)):
        # Spaces before a line break only some entries have (at the entry's end, lines.py
        # decides; before a field they are markup).
        last = index + 1 < len(tokens) and tokens[index + 1] == "\n"
        if token.isspace() and last and "\n" not in token and count < need:
            continue
        if token in _SENTENCE and "".join(run).strip():
            run.append(token)  # a description's own full stop or comma is part of it
            continue
        # Markup few entries of the shape write inside the text or before a word of it
        # (dair-ai's `**FacTool**`, `<br>●` bullets, a quotation in one row's description)
        # is the text's.
        rare = index not in comment and (
            _before_text(tokens, shared, need, index, label)
            or (_inside_text(token, count, need) and bool("".join(run).strip()))
        )
        if count >= need or index in label or not (token.isalnum() or token.isspace() or rare):
            flush()
            out.append(token)
        elif token.isdigit():
            # A number of its own (an ordered list's, an anchor's): counted on from the
            # neighbour's; an ordered list's marker is kept a number, which any renders.
            flush()
            after = tokens[index + 1] if index + 1 < len(tokens) else ""
            if step is not None:
                out.append(str(int(token) + step).zfill(len(token)))
            elif not "".join(out).strip() and after in (".", ")"):
                out.append("1")
            else:
                out.append(placeholder("text"))
        else:
            run.append(token)
    flush()
    return _collapse("".join(out))


def _inside_text(token: str, count: int, need: int) -> bool:
    """Whether a token other than a word or a table's cell border is shared by too few
    entries of the shape to be the list's markup."""
    return count < need and not token.isalnum() and not token.isspace() and token != "|"


def _before_text(
    tokens: list[str], shared: list[int], need: int, index: int, label: set[int]
) -> bool:
    """Whether token `index` is such markup and the next word after it (past spaces and
    more of it) is one few entries share: text, not the list's (`. [[paper](` stays)."""
    if not _inside_text(tokens[index], shared[index], need):
        return False
    for at in range(index + 1, len(tokens)):
        token = tokens[at]
        if token.isalnum():
            return shared[at] < need and at not in label
        if not token.isspace() and not _inside_text(token, shared[at], need):
            return False
    return False


def _words_shared(ours: str, others: list[str], step: int | None = None) -> str:
    """For an entry of a shape no other has: its words most entries also have are the list's;
    the others are placeholders; its numbers count on by `step` (see `_variable`). With no
    other entry to learn from, every word is a field: never another paper's description."""
    seen = Counter(w for other in others for w in set(_TOKEN.findall(other)) if w.isalnum())
    need = max(1, (len(others) + 1) // 2)
    tokens = _TOKEN.findall(ours)
    label = _label_tokens(tokens)
    images = _image_tokens(tokens) | _spanned(tokens, _TAG)
    out = []
    for index, token in enumerate(tokens):
        if step is not None and token.isdigit():
            out.append(str(int(token) + step).zfill(len(token)))
            continue
        after = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token.isdigit() and not "".join(out).strip(" |") and after in (".", ")"):
            out.append("1")  # an ordered list's marker, which any number renders
            continue
        if token in _SENTENCE and out and out[-1] == placeholder("text"):
            continue  # the description's own full stop, not the list's
        keep = not token.isalnum() or seen[token] >= need or index in label | images
        out.append(token if keep else placeholder("text"))
    return _collapse("".join(out))


_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\s]*")
_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>")  # an HTML tag's name is markup (`<br>`), never text
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_OPEN_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\s]*$")  # a literal that ends inside an image's URL
_URL_END = re.compile(r"[^)\s]*")


def _image_tokens(tokens: list[str]) -> set[int]:
    """Indexes of the tokens in an image's markup: a star badge's `![Star](…/{repo}.svg?…)`
    is the list's template as the model writes it (BradyFU writes `![Stars](…?style=…)` in
    some rows), never a field."""
    return _spanned(tokens, _IMAGE)


def _spanned(tokens: list[str], pattern: re.Pattern[str]) -> set[int]:
    """Indexes of the tokens that start inside a match of `pattern` in their text."""
    text = "".join(tokens)
    spans = [m.span() for m in pattern.finditer(text)]
    out = set()
    at = 0
    for index, token in enumerate(tokens):
        if any(a <= at < b for a, b in spans):
            out.add(index)
        at += len(token)
    return out


def _whole_cells(literal: str) -> str:
    """A table cell (between two pipes of this literal) with a placeholder in it is one field."""
    cells = literal.split("|")
    for i in range(1, len(cells) - 1):
        if placeholder("text") in cells[i]:
            cells[i] = _cell_placeholder(cells[i])
    return "|".join(cells)


def _cell_placeholder(cell: str) -> str:
    """A table cell as one placeholder, its padding kept."""
    lead = cell[: len(cell) - len(cell.lstrip())]
    trail = cell[len(cell.rstrip()) :]
    return lead + placeholder("text") + trail


def varying_cells(pieces: list[Piece], rows: list[str]) -> list[Piece]:
    """A table's `pieces` with each cell of words (BradyFU's datasets' `Caption`) that
    another of the section's `rows` fills with other words (`ASR`) as a placeholder.

    Such a column is a field no source gives, however many rows share one value: the
    majority's would be another paper's. A cell without words (`-`) is the list's mark
    for an empty field, and rows that link something in the column are not compared.
    """
    columns = [[cell.strip() for cell in row.split("|")] for row in rows]
    out: list[Piece] = []
    column = 0
    for piece in pieces:
        if not isinstance(piece, str):
            out.append(piece)
            continue
        cells = piece.split("|")
        for j in range(1, len(cells) - 1):
            core = cells[j].strip()
            if _words_only(core) and any(
                column + j < len(row) and _words_only(row[column + j]) and row[column + j] != core
                for row in columns
            ):
                cells[j] = _cell_placeholder(cells[j])
        column += len(cells) - 1
        out.append("|".join(cells))
    return out


def _words_only(cell: str) -> bool:
    """Whether a table cell is plain text with a word in it: no link, image or placeholder."""
    return (
        any(c.isalnum() for c in cell)
        and "](" not in cell
        and "://" not in cell
        and PLACEHOLDER not in cell
    )


def _label_tokens(tokens: list[str]) -> set[int]:
    """Indexes of the tokens of a link label right before a URL (`[Project](`, or
    `- Homepage: ` before a bare one): the role's name, not a field."""
    end = len(tokens)
    while end > 0 and tokens[end - 1].isspace() and "\n" not in tokens[end - 1]:
        end -= 1
    if end > 1 and tokens[end - 1] == ":":
        start = end - 1
        while start > 0 and tokens[start - 1] not in ("\n", "-", "*", "|", "(", "["):
            start -= 1
        return set(range(start, end - 1))
    if len(tokens) < 2 or tokens[-2:] != ["]", "("]:
        return set()
    start = len(tokens) - 2
    while start > 0 and tokens[start - 1] != "[":
        start -= 1
    return set(range(start, len(tokens) - 2))


_SENTENCE = frozenset(".,;:!?")
_WORDS_BEFORE = re.compile(
    r"(?<=[\s(])(?:[A-Za-z][\w'’-]* +){1,3}(?=" + re.escape(PLACEHOLDER) + "text)"
)
_MARKUP = re.compile(r"[|\[\]<>*`\n]")  # parentheses are a description's as often as a link's
# Between two parts of a description: a break and a bullet (dair-ai's 2025 rows, `<br>●`),
# as many as each paper's description needs: the description's own, not the list's markup.
# Each break starts with its own `<br`, so the pattern reads any middle in one pass.
_BULLETS = re.compile(r"[\s.,;:!?)]*(?:<br\s*/?>[\s.,;:!?)●•▪◦·-]*)+", re.IGNORECASE)


def _collapse(text: str) -> str:
    """`TODO:text TODO:text, to TODO:text` → one placeholder, where no markup is between;
    a word or three before one (`- a TODO:text`: words a description shares with others)
    are part of it."""
    mark = placeholder("text")
    text = _WORDS_BEFORE.sub("", text)
    parts = text.split(mark)
    if len(parts) <= 2:
        return text
    rebuilt = parts[0]
    opened = 0  # parentheses of the free text merged in, not closed yet: `TODO:text (TODO:text).`
    quoted = False  # a quotation mark of the free text merged in, not closed yet
    for middle in parts[1:-1]:
        if (_MARKUP.search(middle) is not None or "](" in middle) and not _BULLETS.fullmatch(
            middle
        ):
            rebuilt += mark + middle
            opened, quoted = 0, False
        else:
            opened += middle.count("(") - middle.count(")")
            quoted ^= middle.count('"') % 2 == 1
    tail = parts[-1]
    closer = ")" * opened if opened > 0 else '"' if quoted else ""
    if closer and tail.startswith(closer):
        tail = tail[len(closer) :]
        tail = tail[1:] if tail[:1] in _SENTENCE and tail[1:2] in ("", " ") else tail
    return rebuilt + mark + tail


def ends_inside_image(literal: str) -> bool:
    """Whether `literal` ends inside an image's URL (a star badge's, before its repository)."""
    return _OPEN_IMAGE.search(literal) is not None


def literal_text(
    piece: str,
    others: list[str],
    rest: list[str],
    step: int | None,
    *,
    inside_image: bool = False,
    table: bool = False,
    first: bool = True,
    last: bool = True,
) -> str:
    """A model's literal `piece` with its fields no source gives as placeholders: `others`
    are the same piece in the entries of its shape, `rest` the literal text of the others;
    `inside_image`: the piece goes on with an image's URL (after a slot in it); `first`,
    `last`: no field comes before it, after it."""
    head = ""
    if inside_image:
        # The rest of an image's URL after the repository in it (a star badge's
        # `.svg?style=social`): the model's markup, however its neighbours write theirs.
        head = piece[: _url_end(piece)]
        piece = piece[len(head) :]
        others = [o[_url_end(o) :] for o in others]
    piece = majority_markup(piece, others, starts_line=first, ends_line=last)
    piece = _variable(piece, others, step) if others else _words_shared(piece, rest, step)
    piece = head + piece
    return _whole_cells(piece) if table else piece


def _url_end(text: str) -> int:
    match = _URL_END.match(text)
    return match.end() if match is not None else 0
