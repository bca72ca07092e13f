"""The reader's edition: a static, self-contained site of the essay with its notes and quotations.

    from chilecite.edition import build_edition, write_edition
    files = build_edition(corpus, ReferenceText.from_file(path), style="apa")
    write_edition(files, Path("site"))

`build_edition` is pure (it returns {relative path: bytes}); `write_edition` writes them into a
directory safely. The essay's text is not in the package: the command line reads it from wherever
the other commands find it (`chilecite essay` says where).
"""

from __future__ import annotations

from chilecite.edition.build import DEFAULT_STYLE, MARKER_FILE, EditionError, build_edition
from chilecite.edition.output import write_edition

__all__ = ["DEFAULT_STYLE", "MARKER_FILE", "EditionError", "build_edition", "write_edition"]
