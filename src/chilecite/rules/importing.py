"""Codes for `chilecite import bibtex`: what could not be brought in, and why. The importer reports them."""

from __future__ import annotations

from chilecite.problems import Rule
from chilecite.rules.base import ERROR, WARNING

UNMAPPED = Rule("CC070", WARNING, "Imported field not mapped", "Copy what matters into the record by hand (often into `comment`), or leave it out.",
                "Every field with no place in a chilecite work is reported, never dropped in silence.", reported_by="import")
UNPARSEABLE = Rule("CC071", ERROR, "Imported entry could not be parsed", "Fix the entry in the reference manager or the .bib file and import it again.",
                   "The other entries of the file are still imported.", reported_by="import")
KEY_RENAMED = Rule("CC072", WARNING, "Imported citation key renamed (taken, or not in the agreed form)",
                   "Cite the work by its new key; if it is the corpus work of that key, keep that record instead.", "", reported_by="import")
TARGET_EXISTS = Rule("CC073", ERROR, "Import would overwrite a record", "Remove or rename the existing record, or import without this entry.",
                     "An import never overwrites a record; when any target exists, nothing is written.", split_from="CC010", reported_by="import")
LIMIT = Rule("CC074", ERROR, "Imported entry exceeds a limit", "Shorten the field or simplify the entry in the reference manager.",
             "Field size, brace nesting and @string expansion are bounded so that a hostile file cannot exhaust time or memory.",
             reported_by="import")
INVALID_RECORD = Rule("CC075", ERROR, "Imported record would not validate", "Fix the entry so that it makes a valid record; nothing was written.",
                      "Every record an import writes passes `chilecite validate`; an entry that cannot is refused with the reason.",
                      reported_by="import")

RULES = (UNMAPPED, UNPARSEABLE, KEY_RENAMED, TARGET_EXISTS, LIMIT, INVALID_RECORD)
