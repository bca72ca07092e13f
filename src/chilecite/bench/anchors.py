"""The anchors: small programs that do, with the libraries alone, the work a chilecite command is
measured against. Each is run as `python -c SOURCE ARG...` and imports nothing of chilecite, so it
is timed exactly as a user's own script would be.
"""

from __future__ import annotations

PASS = "pass"

IMPORTS = "import yaml, pydantic, click"

# PyYAML's C loader on every record file of a tree, keeping what it loads (as a loader must).
YAML_FLOOR = """
import os, sys, yaml
loader = yaml.CSafeLoader
documents = []
for directory, subdirs, names in os.walk(sys.argv[1]):
    subdirs.sort()
    for name in sorted(names):
        if name.endswith((".yaml", ".yml")):
            with open(os.path.join(directory, name), "rb") as handle:
                documents.append(yaml.load(handle.read(), Loader=loader))
print(len(documents))
"""

# bibtexparser's own parse and write of a BibTeX file, with its default middlewares.
BIBTEXPARSER = """
import sys, bibtexparser
library = bibtexparser.parse_file(sys.argv[1])
text = bibtexparser.write_string(library)
print(len(library.entries), len(text))
"""

# citeproc-py rendering CSL-JSON items alone, each as a citation and a bibliography entry, in
# plain text and HTML (what chilecite asks of it for one quotation).
CITEPROC = """
import json, sys, warnings
warnings.simplefilter("ignore")
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source import Locator
from citeproc.source.json import CiteProcJSON
style = CitationStylesStyle(sys.argv[1], validate=False)
with open(sys.argv[2], encoding="utf-8") as handle:
    jobs = json.load(handle)
out = []
for item, locator in jobs:
    for flavour in (formatter.plain, formatter.html):
        bibliography = CitationStylesBibliography(style, CiteProcJSON([item]), flavour)
        cited = CitationItem(item["id"], locator=Locator(*locator)) if locator else CitationItem(item["id"])
        citation = Citation([cited])
        bibliography.register(citation)
        out.append(str(bibliography.cite(citation, lambda missing: None)))
        out.extend(str(entry) for entry in bibliography.bibliography())
print(len(out))
"""

# The same, timed inside the process: the parse and the write alone, after the imports.
BIBTEXPARSER_INSIDE = """
import sys, time, bibtexparser
start = time.process_time()
library = bibtexparser.parse_file(sys.argv[1])
text = bibtexparser.write_string(library)
print(time.process_time() - start)
"""
