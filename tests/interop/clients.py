"""The real clients the interop tests drive, found or refused with a message saying how to install them.

Debian's `bibtex`, `biber` and `pandoc` (2.17, the README's), the npm clients installed by `npm ci
--prefix tests/interop` (citeproc-js, Better BibTeX's parser, citation-js), and a second, current pandoc
from the `pypandoc-binary` wheel of the test extra: Debian's pandoc 2.17 has no RIS reader.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected"
STYLES = HERE.parents[1] / "src" / "chilecite" / "styles"


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed: run the README's test command (apt-get install texlive-base texlive-binaries biber pandoc)"
    return path


def pandoc_with_ris() -> str:
    """The pandoc inside the `pypandoc-binary` wheel (pandoc 3), which reads RIS."""
    try:
        import pypandoc
    except ImportError:  # pragma: no cover - the test extra installs it
        raise AssertionError("pypandoc-binary is not installed: `pip install -e '.[test]'`") from None
    path = Path(pypandoc.__file__).parent / "files" / "pandoc"
    assert path.is_file(), f"no pandoc binary in the pypandoc-binary wheel at {path}"
    return str(path)


def node_modules() -> Path:
    modules = HERE / "node_modules"
    assert (modules / "citeproc").is_dir() and (modules / "@citation-js" / "plugin-ris").is_dir(), "npm clients missing: run `npm ci --prefix tests/interop`"
    return modules


def node(script: str, *args: str) -> dict:
    node_modules()
    run = subprocess.run([tool("node"), str(HERE / script), *args], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def lines(name: str, *, comments: bool = False) -> list[str]:
    """The lines of an expected-output file, but empty ones and (unless `comments`) `#` comments; with
    `comments`, only the last comment line (a table's header) is kept, first."""
    text = [line for line in (EXPECTED / name).read_text(encoding="utf-8").splitlines() if line]
    rows = [line for line in text if not line.startswith("#")]
    header = [line for line in text if line.startswith("#")][-1:] if comments else []
    return header + rows


def locale() -> Path:
    import citeproc

    return Path(citeproc.__file__).parent / "data" / "locales" / "locales-en-US.xml"


def pandoc_csl_json(pandoc: str, path: Path, fmt: str) -> list[dict]:
    """What pandoc reads from a bibliography file, as CSL-JSON."""
    run = subprocess.run([pandoc, "-f", fmt, "-t", "csljson", str(path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)
