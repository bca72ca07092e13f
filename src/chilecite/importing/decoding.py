"""LaTeX in BibTeX field values -> Unicode, in one pass, with no recursion.

What BibTeX files hold, and what `chilecite.export.latex.escape` writes (so an export imports back
as it was): accent commands in every form (`\\'e`, `{\\'e}`, `\\'{e}`, `\\c{c}`, `\\c c`, `\\'\\i`,
stacked `\\'{\\c{c}}`), letters (`\\ss`, `\\ae`, `\\o`, `\\l`, `\\i`, ...), `--` and `---`, `~` (a
no-break space), `{?`}` and `{!`}`, the escapes `\\& \\% \\$ \\# \\_ \\{ \\}`, `\\textbraceleft` and its kin, ```` ``...'' ````
quotes; `\\emph{}`, `\\textit{}`, `\\textbf{}` and the like are unwrapped, `\\url{}` keeps its
argument as written, and case-protection braces are dropped. A command it does not know is kept
as written, with the brace group after it, and named in `Decoded.unknown` for the importer to report.

Linear by construction: each token is read once, a group is a frame on an explicit stack, and an
accent is recorded against the output piece it marks and applied once when the text is joined.
The result is not normalised (an accent is a combining mark after its letter): Unicode
normalisation is quadratic in a long run of combining marks, so it is left to the caller, once
the run is known to be short. The importer bounds size, depth and stacked accents first
(`chilecite.importing.limits`) and composes the text (NFC) when it cleans it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

# Combining mark of each accent command, and the character it prints on nothing (`\~{}` is `~`).
ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307",
    "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328", "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
SPACING = {
    "\u0301": "´", "\u0300": "`", "\u0302": "^", "\u0308": "¨", "\u0303": "~", "\u0304": "¯", "\u0307": "˙",
    "\u0327": "¸", "\u030c": "ˇ", "\u0306": "˘", "\u030b": "˝", "\u0328": "˛", "\u030a": "˚", "\u0323": ".", "\u0331": "_",
}
LETTERS = {
    "i": "ı", "j": "ȷ", "ss": "ß", "SS": "SS", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "o": "ø", "O": "Ø", "l": "ł", "L": "Ł",
    "aa": "å", "AA": "Å", "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ",
}
SYMBOLS = {
    "textbraceleft": "{", "textbraceright": "}", "textbackslash": "\\", "textasciitilde": "~", "textasciicircum": "^",
    "textunderscore": "_", "textdollar": "$", "textampersand": "&", "textbar": "|", "textless": "<", "textgreater": ">",
    "ldots": "…", "dots": "…", "textellipsis": "…", "textendash": "–", "textemdash": "—",
    "textquoteleft": "‘", "textquoteright": "’", "textquotedblleft": "“", "textquotedblright": "”", "quotedblbase": "„",
    "guillemotleft": "«", "guillemotright": "»", "guillemetleft": "«", "guillemetright": "»",
    "textexclamdown": "¡", "textquestiondown": "¿", "textdegree": "°", "pounds": "£", "textsterling": "£", "texteuro": "€",
    "euro": "€", "S": "§", "textsection": "§", "P": "¶", "textparagraph": "¶", "copyright": "©", "textcopyright": "©",
    "textregistered": "®", "texttrademark": "™", "textperiodcentered": "·", "textbullet": "•", "dag": "†", "ddag": "‡",
    "textdagger": "†", "textdaggerdbl": "‡", "nobreakspace": "\u00a0", "space": " ", "enspace": " ", "quad": " ", "qquad": " ",
    "slash": "/", "textslash": "/",
}


@functools.cache
def more_symbols() -> dict[str, str]:
    """Symbol commands of pylatexenc's encoding table (which the ASCII export falls back on for characters
    of its own tables' reach: `\\textcent`, `\\dj`), read as a table: name -> character, the first code point winning."""
    from pylatexenc.latexencode import get_builtin_uni2latex_dict

    table: dict[str, str] = {}
    for codepoint, latex in sorted(get_builtin_uni2latex_dict().items()):
        if match := re.fullmatch(r"\{?\\([A-Za-z]+)\}?", latex.strip()):
            table.setdefault(match.group(1), chr(codepoint))
    return table


# Formatting: the command goes, its argument stays (as a plain group). Declarations go too.
DROPPED = frozenset({
    "emph", "textit", "textbf", "textsc", "textrm", "textsf", "texttt", "textup", "textsl", "textmd", "textnormal",
    "mbox", "hbox", "text", "mkbibemph", "mkbibitalic", "mkbibbold", "NoCaseChange", "em", "it", "bf", "sc", "rm", "sf",
    "tt", "sl", "itshape", "bfseries", "scshape", "upshape", "mdseries", "normalfont", "relax", "protect", "ensuremath",
})
VERBATIM_ARGUMENT = frozenset({"url"})
# Control symbols: `\&` is `&`; `\\` is a line break, `\ ` and `\,` spaces; `\-` and `\/` print nothing.
ESCAPES = {"&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", " ": " ", "\\": " ", ",": " ", ";": " ",
           ":": " ", "!": "", "-": "", "/": "", "@": "", "\n": " ", "\t": " ", "\r": " "}
LIGATURES = {"--": "–", "---": "—", "``": "“", "''": "”", "{?`}": "¿", "{!`}": "¡", "~": "\u00a0"}
DOTLESS = {"ı": "i", "ȷ": "j"}  # `\'\i` is í: an accent goes on the dotted letter

_TOKEN_RE = re.compile(
    r"\\(?P<word>[A-Za-z]+)[ \t\r\n]*"  # a control word eats the white space after it
    r"|\\(?P<symbol>.)"
    r"|(?P<backslash>\\)"  # a lone backslash at the very end
    r"|(?P<ligature>\{[?!]`\}|-{2,3}|``|''|~)"  # `?`` is `¿` only in a group of its own, as the ASCII export writes it
    r"|(?P<open>\{)|(?P<close>\})"
    r"|(?P<text>[^\\{}\-`'?!~]+|.)",
    re.DOTALL,
)


@dataclass
class Decoded:
    """The Unicode text of a field value, and the LaTeX commands it kept as written because they are unknown."""

    text: str
    unknown: list[str] = field(default_factory=list)


@dataclass
class _Group:
    start: int  # index in the output of the group's first piece
    marks: list[str]  # accents waiting for the group's first character, innermost first
    verbatim: int = 0  # 0: decode; 1: keep as written without the braces (\url); 2: with them (unknown command)
    depth: int = 0  # braces open inside a verbatim group


class _Decoder:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.marks: dict[int, list[str]] = {}  # output piece -> its first character's accents, innermost first
        self.stack: list[_Group] = []
        self.pending: list[str] = []  # accent commands waiting for their argument, outermost first
        self.unknown: list[str] = []
        self.after_unknown = False  # the last token was an unknown command: a group right after it is kept as written
        self.url_next = False  # the last token was \url: a group right after it is its verbatim argument

    def emit(self, piece: str) -> None:
        if self.pending:
            piece = piece.lstrip()
            if not piece:
                return  # TeX skips spaces before an argument; `\@` and the like, which print nothing, are none either
            self.marks[len(self.out)] = self.pending[::-1]
            self.pending = []
        if piece:
            self.out.append(piece)

    def flush_pending(self) -> None:
        """Accents that found no argument print their spacing forms."""
        marks, self.pending = self.pending, []
        for mark in reversed(marks):
            self.out.append(SPACING[mark])

    def open(self, verbatim: int = 0) -> None:
        self.stack.append(_Group(len(self.out), self.pending[::-1], verbatim))
        self.pending = []
        if verbatim == 2:
            self.out.append("{")

    def close(self) -> None:
        if not self.stack:
            self.emit("}")  # a stray closing brace is kept: it closes nothing
            return
        self.flush_pending()
        group = self.stack.pop()
        if group.verbatim == 2:
            self.out.append("}")
        if group.marks:
            if group.start < len(self.out):
                self.marks.setdefault(group.start, []).extend(group.marks)
            else:
                self.out.extend(SPACING[mark] for mark in group.marks)

    def verbatim(self, token: re.Match[str]) -> bool:
        """Inside `\\url{...}` or an unknown command's group: copy the token as written, track braces."""
        group = self.stack[-1] if self.stack else None
        if group is None or not group.verbatim:
            return False
        kind = token.lastgroup
        if kind == "close" and group.depth == 0:
            self.close()
            return True
        group.depth += {"open": 1, "close": -1}.get(kind or "", 0)
        self.out.append(token.group())
        return True

    def word(self, name: str, raw: str) -> None:
        if name in ACCENTS:  # \c \v \u \H \k \r \d \b
            self.pending.append(ACCENTS[name])
        elif name in LETTERS:
            self.emit(LETTERS[name])
        elif name in SYMBOLS:
            self.emit(SYMBOLS[name])
        elif name in DROPPED:
            pass
        elif name in more_symbols():
            self.emit(more_symbols()[name])
        elif name in VERBATIM_ARGUMENT:
            self.url_next = True
        else:
            self.unknown.append("\\" + name)
            self.flush_pending()
            self.out.append(raw)
            self.after_unknown = True

    def symbol(self, char: str) -> None:
        if char in ACCENTS:
            self.pending.append(ACCENTS[char])
        elif char in ESCAPES:
            self.emit(ESCAPES[char])
        else:
            self.unknown.append("\\" + char)
            self.flush_pending()
            self.out.append("\\" + char)

    def run(self, text: str) -> Decoded:
        for token in _TOKEN_RE.finditer(text):
            if self.verbatim(token):
                continue
            kind, value = token.lastgroup, token.group()
            follows_unknown, self.after_unknown = self.after_unknown, False
            url_next, self.url_next = self.url_next, False
            if kind == "open":
                self.open(1 if url_next else 2 if follows_unknown else 0)
            elif kind == "close":
                self.close()
            elif kind == "word":
                self.word(token.group("word"), value)
            elif kind == "symbol":
                self.symbol(value[1])
            elif kind == "ligature":
                self.emit(LIGATURES[value])
            else:  # text, or a lone backslash at the end
                self.emit(value)
        while self.stack:  # a group left open ends with the value
            self.close()
        self.flush_pending()
        return Decoded(self._joined(), self.unknown)

    def _joined(self) -> str:
        pieces = self.out
        for index, marks in self.marks.items():
            piece = pieces[index]
            pieces[index] = DOTLESS.get(piece[0], piece[0]) + "".join(marks) + piece[1:]
        return "".join(pieces)


def decode(text: str) -> Decoded:
    """Decode a BibTeX field value (macros already expanded, enclosing braces or quotes removed); not normalised."""
    if not any(c in text for c in "\\{}~-`'?!"):
        return Decoded(text)
    return _Decoder().run(text)
