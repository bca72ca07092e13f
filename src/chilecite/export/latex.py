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


def escape(text: str, *, ascii: bool = False) -> str:
    """Escape LaTeX specials; with `ascii`, encode every non-ASCII character as a LaTeX command.

    The result never ends a line, a `%` comment or a group early: every brace, `%`, `\\` and `^`
    (so no `^^M` or `^^5c`) is escaped, and control characters are replaced (see `_control`)."""
    out = []
    for i, char in enumerate(text):
        if char == "-" and text[i + 1:i + 2] == "-":
            out.append("-{}")  # a literal "--" in the data is not an en dash
        elif char in _SPECIAL:
            out.append(_SPECIAL[char])
        elif char < " " or "\x7f" <= char <= "\x9f" or "\u2028" <= char <= "\u2029" or "\ud800" <= char <= "\udfff":
            out.append(_control(char))
        elif ascii and not char.isascii():
            out.append(_ascii_char(char))
        else:
            out.append(char)
    return "".join(out)


_TOKEN_RE = re.compile(r"(\s+)")
_EDGE_RE = re.compile(r"^([(\[‘“'\"]*)(.*?)([)\]’”'\".,:;!?]*)$", re.DOTALL)


def protect_title(text: str, *, ascii: bool = False) -> str:
    """Escape a title and brace the words that have capitals, so no style lower-cases proper
    nouns, acronyms or a non-English title's capitals. A run of such words shares one group
    (`{International Socialism}`); a title's capitalised first word needs none, since styles
    keep the first letter; words without capitals are left free for a style's own casing."""
    tokens = _TOKEN_RE.split(text)
    out: list[str] = []
    run: list[str] = []  # escaped tokens (words and the spaces between them) awaiting one brace group

    def close_run() -> None:
        trailing_space = []
        while run and run[-1].isspace():
            trailing_space.insert(0, run.pop())
        if run:
            joined = "".join(run)
            match = _EDGE_RE.match(joined)
            lead, body, trail = match.groups() if match else ("", joined, "")
            out.append(f"{lead}{{{body}}}{trail}" if body else joined)
            run.clear()
        out.extend(trailing_space)

    first_word = True
    for token in tokens:
        if not token:
            continue
        if token.isspace():
            (run if run else out).append(token)
            continue
        needs = any(c.isupper() for c in token) and not (first_word and token[:1].isupper() and not any(c.isupper() for c in token[1:]))
        first_word = False
        if needs:
            run.append(escape(token, ascii=ascii))
        else:
            close_run()
            out.append(escape(token, ascii=ascii))
    close_run()
    return "".join(out)


def organisation(name: str, *, ascii: bool = False) -> str:
    """An organisation as an author: one brace group so no style splits it into given/family."""
    return "{" + escape(name, ascii=ascii) + "}"


@functools.cache
def _decoder():
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    # pylatexenc drops \textbraceleft and friends and maps \textasciicircum to a modifier letter;
    # LaTeX prints the plain characters, so decode them as LaTeX does.
    db = get_default_latex_context_db()
    db.add_context_category(
        "chilecite",
        prepend=True,
        macros=[
            MacroTextSpec("textbraceleft", "{"),
            MacroTextSpec("textbraceright", "}"),
            MacroTextSpec("textasciicircum", "^"),
            MacroTextSpec("textasciitilde", "~"),
            MacroTextSpec("textbackslash", "\\"),
        ],
    )
    return LatexNodes2Text(latex_context=db, math_mode="verbatim", strict_latex_spaces=True, keep_braced_groups=False)


def latex_decoder():
    """A pylatexenc decoder that reads back everything `escape` writes."""
    return _decoder()


def decode_latex(text: str) -> str:
    """LaTeX field text -> Unicode, for importing BibTeX: accents, escapes, dashes; braces dropped."""
    return _decoder().latex_to_text(text)
