"""What Zotero makes of each export's types and fields, transcribed from the code Zotero runs.

Zotero's importers are its translators (github.com/zotero/translators) and zotero/utilities; they run
inside Zotero's translation framework (Zotero.read, Zotero.Item, Zotero.Utilities), which no npm
package ships, so they cannot be run here. What they do with chilecite's exports was read in their
source instead, at these versions, and is written down below as data the tests apply:

- CSL JSON: zotero/utilities `utilities_item.js` `getZoteroTypeFromCslType` with zotero-schema
  `schema.json` `csl.types` (the first Zotero type listed for a CSL type; an unknown one is a document).
- RIS.js, commit f50d4465fc40623d76d23d0690b71008ba4186c0 (lastUpdated 2023-07-28): `importTypeMap`
  (its own entries, then `exportTypeMap` reversed; an unknown TY is `DEFAULT_IMPORT_TYPE`,
  journalArticle); `processTag` reads an AU/A1–A3 value as `lastName, firstName` split at the first
  comma, and a name with no first name as one field (`fieldMode = 1`); `dateRIStoZotero` keeps
  `YYYY/MM/DD` and drops the fourth, free part of DA (a season).
- BibTeX.js, commit d2d7747bcd182c8ddd7840adef52b2d4f7c0abe1 (lastUpdated 2019-09-17; the newest
  version the search index held): `bibtex2zoteroTypeMap` (an entry type not in it is discarded);
  `processField` makes `annote` (and `note`, `comment`, `review`) a child note and has no case for
  biblatex's `annotation`, which is therefore dropped; `unescapeBibTeX` turns `\\textit`, `\\textbf` and
  `\\textsc` into HTML and accents into letters, and only strips the braces of any other command, so
  `\\emph{Drapeau Rouge}` arrives as `\\emphDrapeau Rouge`.
"""

from __future__ import annotations

import re

FROM_CSL = {
    "article-journal": "journalArticle", "article-magazine": "magazineArticle", "article-newspaper": "newspaperArticle",
    "book": "book", "chapter": "bookSection", "document": "document", "interview": "interview", "legislation": "statute",
    "manuscript": "manuscript", "personal_communication": "letter", "report": "report", "speech": "presentation",
    "thesis": "thesis", "webpage": "webpage",
}

# RIS.js `exportTypeMap` (reversed on import) and the entries of `importTypeMap` a TY chilecite writes can hit.
_RIS_EXPORTED = {
    "artwork": "ART", "audioRecording": "SOUND", "bill": "BILL", "blogPost": "BLOG", "book": "BOOK", "bookSection": "CHAP",
    "case": "CASE", "computerProgram": "COMP", "conferencePaper": "CONF", "dictionaryEntry": "DICT", "encyclopediaArticle": "ENCYC",
    "email": "ICOMM", "dataset": "DATA", "film": "MPCT", "hearing": "HEAR", "journalArticle": "JOUR", "letter": "PCOMM",
    "magazineArticle": "MGZN", "manuscript": "MANSCPT", "map": "MAP", "newspaperArticle": "NEWS", "patent": "PAT",
    "presentation": "SLIDE", "report": "RPRT", "statute": "STAT", "thesis": "THES", "videoRecording": "VIDEO", "webpage": "ELEC",
}
FROM_RIS = {
    "ABST": "journalArticle", "ADVS": "film", "AGGR": "document", "ANCIENT": "document", "CHART": "artwork", "CLSWK": "book",
    "CPAPER": "conferencePaper", "CTLG": "magazineArticle", "DBASE": "dataset", "EBOOK": "book", "ECHAP": "bookSection",
    "EDBOOK": "book", "EJOUR": "journalArticle", "EQUA": "document", "FIGURE": "artwork", "GEN": "journalArticle", "GOVDOC": "report",
    "GRNT": "document", "INPR": "manuscript", "JFULL": "journalArticle", "LEGAL": "case", "MULTI": "videoRecording",
    "MUSIC": "audioRecording", "PAMP": "manuscript", "SER": "book", "STAND": "report", "UNBILL": "manuscript", "UNPD": "manuscript",
    "WEB": "webpage",
    **{ty: item_type for item_type, ty in _RIS_EXPORTED.items()},
}
RIS_DEFAULT = "journalArticle"

FROM_BIBTEX = {
    "book": "book", "inbook": "bookSection", "incollection": "bookSection", "article": "journalArticle", "patent": "patent",
    "phdthesis": "thesis", "unpublished": "manuscript", "inproceedings": "conferencePaper", "conference": "conferencePaper",
    "techreport": "report", "booklet": "book", "manual": "book", "mastersthesis": "thesis", "misc": "book", "proceedings": "book",
    "online": "webpage", "thesis": "thesis", "letter": "letter", "movie": "film", "artwork": "artwork", "report": "report",
    "legislation": "bill", "jurisdiction": "case", "audio": "audioRecording", "video": "videoRecording", "software": "computerProgram",
    "inreference": "encyclopediaArticle", "collection": "book", "mvbook": "book",
}
BIBTEX_NOTE_FIELDS = frozenset({"annote", "note", "comment", "review", "notes"})  # each becomes a child note


def type_from_csl(item: dict) -> str:
    if item["type"] == "broadcast":
        return {"radio broadcast": "radioBroadcast", "podcast": "podcast"}.get(item.get("genre", ""), "tvBroadcast")
    return FROM_CSL.get(item["type"], "document")  # Zotero: "Unknown CSL type … using 'document'"


def type_from_ris(ty: str) -> str:
    return FROM_RIS.get(ty.strip().upper(), RIS_DEFAULT)


def type_from_bibtex(entry_type: str) -> str:
    """The Zotero item type of a BibTeX or BibLaTeX entry type; `-` where BibTeX.js discards the entry."""
    return FROM_BIBTEX.get(entry_type.lower(), "-")


def ris_creator(value: str) -> dict[str, str]:
    """RIS.js `processTag` on an AU line: `lastName, firstName`, or one field when there is no first name."""
    last = re.split(r"\s*,\s*", value)[0]
    first = re.sub(r"^\s*,\s*", "", value[len(last):])
    return {"lastName": last, "firstName": first} if first else {"lastName": last, "fieldMode": "1"}
