"""citeproc-py as a user runs it on the CSL-JSON export: no chilecite code imported, so none of the
corrections chilecite.processor makes to it. Prints the failures, as JSON.
Usage: python stock_citeproc_py.py ITEMS.json STYLE.csl...
"""

import json
import sys
import warnings

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as file:
        items = json.load(file)
    failures = []
    for path in sys.argv[2:]:
        style = CitationStylesStyle(path, validate=False)
        for item in items:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    bibliography = CitationStylesBibliography(style, CiteProcJSON([item]), formatter.plain)
                    citation = Citation([CitationItem(item["id"])])
                    bibliography.register(citation)
                    bibliography.cite(citation, lambda missing: None)
                    [str(entry) for entry in bibliography.bibliography()]
            except Exception as exc:  # every failure is reported, none stops the others
                failures.append(f"{path.rsplit('/', 1)[-1]} {item['id']}: {type(exc).__name__}: {exc}")
    sys.stdout.write(json.dumps(failures))


if __name__ == "__main__":
    main()
