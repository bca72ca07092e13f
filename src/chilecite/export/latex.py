"""LaTeX encoding for BibTeX and BibLaTeX field values.

BibTeX counts every brace, escaped or not, so `{` and `}` in data become `\\textbraceleft`
and `\\textbraceright` in their own groups rather than `\\{`; the output always has balanced
braces. Accents in ASCII mode take the `{\\'e}` form BibTeX needs to sort and abbreviate names.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_SPECIAL = {
    "\\": r"{\textbackslash}",
    "{": r"{\textbraceleft}",
    "}": r"{\textbraceright}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"{\textasciitilde}",
    "^": r"{\textasciicircum}",
}
_ACCENTS = {"\u0301": "'", "\u0300": "`", "\u0302": "^", "\u0308": '"', "\u0303": "~", "\u0304": "=", "\u0307": ".", "\u0327": "c", "\u030c": "v", "\u0306": "u", "\u030b": "H", "\u0328": "k", "\u030a": "r"}
_ASCII_PUNCT = {"‘": "`", "’": "'", "“": "``", "”": "''", "–": "--", "—": "---", "…": r"\ldots{}", "\u00a0": "~", "«": r"\guillemotleft{}", "»": r"\guillemotright{}",
                "ß": r"{\ss}", "æ": r"{\ae}", "Æ": r"{\AE}", "ø": r"{\o}", "Ø": r"{\O}", "œ": r"{\oe}", "Œ": r"{\OE}", "ł": r"{\l}", "Ł": r"{\L}", "ı": r"{\i}",
                "¿": r"{?`}", "¡": r"{!`}", "°": r"{\textdegree}", "£": r"{\pounds}", "€": r"{\texteuro}", "§": r"{\S}"}


@functools.lru_cache(maxsize=4096)
def _ascii_char(char: str) -> str:
    if char in _ASCII_PUNCT:
        return _ASCII_PUNCT[char]
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if base.isascii() and marks and all(m in _ACCENTS for m in marks):
        out = base if base not in "ij" else "\\" + base  # dotless i/j under an accent
        for mark in marks:
            command = _ACCENTS[mark]
            out = f"\\{command}{{{out}}}" if command.isalpha() else f"\\{command}{out}"
        return "{" + out + "}"
    from pylatexenc.latexencode import unicode_to_latex

    return "{" + unicode_to_latex(char, non_ascii_only=True) + "}"


_LINE_BREAKS = frozenset("\t\n\r\f\v\x85\u2028\u2029")


def _control(char: str) -> str:
    """What a control character becomes: TeX ends a line at a CR (even one written `^^M`), and a
    line end inside a `%` comment would let the rest run as TeX; a form feed is `\\par`; NUL, DEL and
    the C1 controls are invalid or invisible input. Line breaks become a space (what TeX makes of
    a line end in running text); the others are shown as `\\x1b`; a lone surrogate (which no
    UTF-8 file can hold) as `\\udc80`."""
    if char in _LINE_BREAKS:
        return " "
    code = ord(char)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"{{\\textbackslash}}x{code:02x}"
    return f"{{\\textbackslash}}u{code:04x}"


# What `escape` must change: a special, a control character, and the first of two characters that
# TeX would join into a ligature ("--" an en dash, "''" and "``" curly quotes: data that holds them
# means the characters, so an empty group keeps them apart); with `ascii`, any non-ASCII character
# too, the dashes and quotation marks that become - ' and ` included ("––" is "--{}--", not "----"). Most values hold none of these.
_TO_ESCAPE = re.compile(r"(?P<ligature>-(?=-)|'(?=')|`(?=`))|[\\{}&%$#_~^\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_TO_ESCAPE_ASCII = re.compile(r"(?P<ligature>[-–—](?=[-–—])|['’”](?=['’”])|[`‘“](?=[`‘“]))|[\\{}&%$#_~^\x00-\x1f\x7f-\U0010ffff]")


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if match.lastgroup == "ligature":
        return (char if char.isascii() else _ASCII_PUNCT[char]) + "{}"
    if char in _SPECIAL:
        return _SPECIAL[char]
    if char < " " or "\x7f" <= char <= "\x9f" or "\u2028" <= char <= "\u2029" or "\ud800" <= char <= "\udfff":
        return _control(char)
    return _ascii_char(char)  # only the ASCII pattern matches other characters


def escape(text: str, *, ascii: bool = False) -> str:
    """Escape LaTeX specials; with `ascii`, encode every non-ASCII character as a LaTeX command.

    The result never ends a line, a `%` comment or a group early: every brace, `%`, `\\` and `^`
    (so no `^^M` or `^^5c`) is escaped, and control characters are replaced (see `_control`)."""
    return (_TO_ESCAPE_ASCII if ascii else _TO_ESCAPE).sub(_escaped, text)


def protect_title(text: str, keep: set[int], *, ascii: bool = False) -> str:
    """Escape a title and brace the words at the indexes `keep` (indexes into
    `chilecite.export.casing.words(text)`), so that a sentence-case style keeps their capitals and
    lower-cases the rest. Neighbouring kept words separated only by spaces share one group
    (`{La Moneda}`); punctuation between them closes the group (`{Moneda}, {Santiago}`)."""
    from chilecite.export.casing import _WORD_RE

    out: list[str] = []
    position = 0
    run_start: int | None = None  # character offset where the open group began
    run_end = 0
    for index, match in enumerate(_WORD_RE.finditer(text)):
        gap = text[position:match.start()]
        if index in keep:
            if run_start is not None and gap.isspace():
                run_end = match.end()
            else:
                if run_start is not None:
                    out.append("{" + escape(text[run_start:run_end], ascii=ascii) + "}")
                out.append(escape(gap, ascii=ascii))
                run_start, run_end = match.start(), match.end()
        else:
            if run_start is not None:
                out.append("{" + escape(text[run_start:run_end], ascii=ascii) + "}")
                run_start = None
            out.append(escape(gap + match.group(), ascii=ascii))
        position = match.end()
    if run_start is not None:
        out.append("{" + escape(text[run_start:run_end], ascii=ascii) + "}")
    out.append(escape(text[position:], ascii=ascii))
    return "".join(out)


def organisation(name: str, *, ascii: bool = False) -> str:
    """An organisation as an author: one brace group so no style splits it into given/family."""
    return "{" + escape(name, ascii=ascii) + "}"
