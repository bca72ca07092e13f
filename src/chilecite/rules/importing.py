"""Codes for `chilecite import bibtex`: what could not be brought in, and why. The importer reports them."""

from __future__ import annotations

from chilecite.problems import Rule
from chilecite.rules.base import ERROR, WARNING

UNMAPPED = Rule("CC070", WARNING, "Imported field not mapped", "Copy what matters into the record by hand (often into `comment`), or leave it out.",
                "Every field with no place in a chilecite work is reported (by name and size, undecoded), never dropped in silence; so is "
                "a value that does not parse, an undefined @string macro (the field is left out), and a LaTeX command the decoder "
                "does not know (kept as written).", reported_by="import")
UNPARSEABLE = Rule("CC071", ERROR, "Imported entry could not be parsed", "Fix the entry in the reference manager or the .bib file and import it again.",
                   "Also an entry cut short by an extra `}` (the fields after it would be lost), and a file that is not UTF-8. "
                   "An import is all or nothing: while any entry cannot be imported, no record is written.", reported_by="import")
KEY_RENAMED = Rule("CC072", WARNING, "Imported citation key renamed (taken, or not in the agreed form)",
                   "Cite the work by its new key; if it is the corpus work of that key, keep that record instead.", "", reported_by="import")
TARGET_EXISTS = Rule("CC073", ERROR, "Import would overwrite a record", "Remove or rename the existing record, or import without this entry.",
                     "An import never overwrites a record; when any target exists, nothing is written.", split_from="CC010", reported_by="import")
LIMIT = Rule("CC074", ERROR, "Imported entry exceeds a limit", "Shorten the field or simplify the entry in the reference manager.",
             "Bounded so that no file can exhaust time or memory: a file over 20,000,000 bytes or 5,000 blocks imports nothing; an "
             "entry is refused whole, before any decoding, for more than 100 fields, a field over 65,536 characters, braces nested "
             "over 32 deep, more than 4 accent commands on one letter or 30 combining marks in a row, @string macros nested over 32 "
             "deep, defined through themselves or expanding beyond their budget, or a chain of more than 8 parents.",
             reported_by="import")
INVALID_RECORD = Rule("CC075", ERROR, "Imported record would not validate", "Fix the entry so that it makes a valid record, and import it again.",
                      "Every record an import writes passes `chilecite validate` in the corpus; an entry that cannot is refused whole, "
                      "with the validator's reason: a control character (NUL, ESC, a direction override) in a field, parents that form a "
                      "cycle, a date after the essay, no title and nothing but its type to devise one from. An entry whose parent is "
                      "refused is refused too.", reported_by="import")
ALREADY_PRESENT = Rule("CC076", WARNING, "Imported entry already in the records",
                       "Nothing to do when it is the same; to bring a changed entry's fields into the record, import with `--update` "
                       "(add `--dry-run` to see the change first).",
                       "An entry is the corpus work of the same citation key, or the same work by title, year and first author (or "
                       "container): a chapter added by hand, whose date is its book's, is the same work as its entry exported from a "
                       "reference manager. It is not imported again, so importing a file twice changes nothing; the fields in which it "
                       "differs are named, and `--update` shows each changed record as a diff and writes it (never the record's "
                       "`comment`, which the records keep, nor a field the entry leaves out).", reported_by="import")

RULES = (UNMAPPED, UNPARSEABLE, KEY_RENAMED, TARGET_EXISTS, LIMIT, INVALID_RECORD, ALREADY_PRESENT)
