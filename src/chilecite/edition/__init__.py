"""The reader's edition: a static, self-contained site of the essay with its notes and quotations.

    from chilecite.edition import build_edition, write_edition, find_reference_text
    files = build_edition(load_corpus(), find_reference_text(), style="apa")
    write_edition(files, Path("site"))

`build_edition` is pure (it returns {relative path: bytes}); `write_edition` writes them into a
directory safely. The essay's text is not in the package: it is read from wherever the other
commands find it (`--essay`, `$CHILECITE_ESSAY`, `../shared/essay/` beside the checkout).
"""

from __future__ import annotations

from pathlib import Path

from chilecite.edition.build import DEFAULT_STYLE, MARKER_FILE, EditionError, build_edition
from chilecite.edition.output import write_edition
from chilecite.text import TEXT_FILE, ReferenceText, default_text_path

__all__ = ["DEFAULT_STYLE", "MARKER_FILE", "EditionError", "build_edition", "find_reference_text", "write_edition"]


def find_reference_text(essay: Path | None = None, records: Path | None = None) -> ReferenceText:
    """The reference text from `essay`, else where `chilecite.text.default_text_path` finds it.

    Raises EditionError with one line saying where it was looked for.
    """
    import os

    path = essay or default_text_path(records)
    if path is None:
        roots = [str(Path(records).resolve().parent)] if records is not None else []
        roots.append(str(Path.cwd()))
        raise EditionError(f"the essay's reference text was not found: no --essay FILE, $CHILECITE_ESSAY is not set, and there is no "
                           f"shared/essay/{TEXT_FILE} beside {' or '.join(roots)} or any folder above")
    if not Path(path).is_file():
        origin = "$CHILECITE_ESSAY" if essay is None and os.environ.get("CHILECITE_ESSAY") else "--essay"
        raise EditionError(f"the essay's reference text was not found at {path} (from {origin})")
    try:
        return ReferenceText.from_file(Path(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise EditionError(f"cannot read the reference text {path}: {exc}") from None
