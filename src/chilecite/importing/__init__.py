"""Importing BibTeX and BibLaTeX entries (Zotero with Better BibTeX, JabRef) as work and agent records.

`import_bibtex` is pure: it parses the text, maps each entry to a `Work` and the agents it needs,
and returns the records' YAML with every problem met. Nothing is dropped silently: a field with no
place in a chilecite work is reported (CC070), an entry that cannot be parsed is reported with its
line (CC071) while the others are still read (and nothing is written), and an entry whose key is taken or not in the agreed
form is imported under a new key and reported (CC072). `import_file` reads a file and writes the
records into a records tree, all or nothing, as one transaction (`transaction`: CC073 when a target exists;
signals undo it). An entry already in the records (same key, or the same work by title, year and first
author) is reported (CC076) and not imported again; `--update` brings its changed fields in, showing each
change first.

The stages, one module each: `reading` (blocks, fields, @string macros) -> `fields` (limits checked,
then LaTeX decoded by `decoding`) -> `mapping` (the table and its special cases; `agents` for names)
-> `importer` (keys, parents, devised titles, records) -> `checking` (the would-be tree validated)
-> `command` (the file in, the records out).

Bounds (`chilecite.importing.limits`), so that any input costs time and memory linear in its size:

- a file of at most 20,000,000 bytes and 5,000 blocks; a bigger one imports nothing (CC074);
- an entry has at most 100 fields; a field the mapping reads holds at most 65,536 characters (as written and after @string
  expansion), braces nested at most 32 deep, at most 4 accent commands stacked on one letter and at
  most 30 combining marks in a row; @string macros nest at most 32 deep, are never circular, and
  all expansions of a file together produce at most 4 times its size plus 65,536 characters; a
  chain of parents is at most 8 works long. An entry that breaks a bound is refused (CC074), with
  the field and the bound named, and nothing of it is imported;
- LaTeX is decoded by a decoder of its own that reads each character once (`decoding`); fields
  with no place in a work are never decoded, only reported by name and size;
- at most 10,000 warnings are listed; one more problem counts the rest.

What is written passes `chilecite validate`: the records are checked in the corpus before they are
returned (`checking`), and an entry whose record would not validate is refused with the validator's
reason (CC075): a control character (C0/C1 controls, NUL, ESC, direction overrides) in a field it
reads, a date after the essay, a broken ISBN, parents that form a cycle. An entry whose parent is
refused is refused too. The other entries are still imported, and the write is all or nothing.

Mapping (entry types are case-insensitive; `@x` is an entry type, `x` a field):

- `@article` -> article-journal; with `entrysubtype = newspaper` -> article-newspaper, `magazine` ->
  article-magazine. A journal's name is never used to guess that it is a newspaper.
- `@book`, `@mvbook`, `@collection`, `@mvcollection`, `@proceedings`, `@reference` -> book (a
  `@collection`, as chilecite's BibLaTeX export writes a book edited rather than written, has its
  `editor`s as the book's editors); `@booklet` -> pamphlet; `@periodical` -> periodical; `@legislation` -> legislation.
- `@incollection`, `@inbook`, `@inproceedings`, `@bookinbook`, `@inreference` -> chapter. Its `parent`
  is set only when the book exists as an entry: `crossref`/`xref` naming an entry of the file or a
  corpus work, or a `booktitle` equal (accents and case aside) to the title of exactly one book entry
  of the file or book work of the corpus. Otherwise `booktitle` is reported. Editors, publisher and
  place equal to the parent's are left to the parent, and so is a chapter's date equal to its book's
  (`date`/`year` in an `@incollection` are the book's, the date of the printing cited): the chapter
  inherits it, and its own date, when given (`origdate`), is its original date. A chapter's date that
  differs from its book's, or whose book is not known, is kept.
- `@misc` -> document; interview, letter or broadcast when its `type` (or BibLaTeX `entrysubtype`) is
  `interview`, `letter`, `open letter` (a letter of genre `open letter`), `broadcast` or `radio
  broadcast` (kept as the genre), and a letter when its `type` has the word letter in it; any other
  `type` is the genre. `@unpublished` -> manuscript, or speech when it has an `eventtitle` (biblatex's
  talk, as chilecite's BibLaTeX export writes a speech and Better BibTeX a presentation);
  `@report`, `@techreport` -> report; `@letter` -> letter; `@online`, `@www`, `@electronic` -> webpage;
  `@thesis`, `@phdthesis`, `@mastersthesis` -> thesis (genre `PhD thesis`, `master's thesis`).
  Any other entry type -> document, reported.
- `title` (+ `subtitle` after a colon) -> title, LaTeX decoded, case-protection braces removed; a
  title that is one phrase in square brackets (`[{Radio} broadcast from {La Moneda}, {Santiago}]`, as
  chilecite's exports write a devised title) -> devised_title, brackets kept, when the record
  supports it as the validator requires (CC065, CC066); when it does not, it is reported and the
  entry is treated as untitled. An entry with no title gets a devised title from its nature and
  subject (RDA 2.3.2.11): the noun of its type and its keywords (`[Newspaper article on land
  reform]`, `[Newspaper article]`, see `titles`), never its author, journal, genre or event, which
  citations print beside it (CC067); one with nothing but its type is refused.
- `journaltitle`/`journal` -> container_title (`howpublished` too, when there is none, but for
  chilecite's own BibTeX export, below; a bare URL there -> url); `volume`; `number` (or `issue`) ->
  issue, but an `issue` that names a season (`Winter`) is the season of a date known to the year
  (`date = {1984}`, `issue = {Winter}` -> 1984-24), as is a `month` that names one; `edition`; `series`; `publisher` (or `institution`, `school`, `organization`);
  `location`/`address` -> place; `pages` -> pages (`--` and
  `-` become an en dash); `date` (EDTF: `1973-08-09`, `1973~`, `1970/1973`, `1984-24`) or
  `year`/`month` (number, name or macro)/`day` -> issued; `origdate` -> original_date; `eventdate` ->
  event_date;
  `langid`/`language` -> language and `origlanguage` -> original_language as BCP 47 (`spanish` -> `es`);
  `url`, `doi` (a `https://doi.org/` prefix removed), `isbn`; `keywords` (split at commas and
  semicolons) -> keywords; `eventtitle` -> event; `type` -> genre. Where several fields give one
  value, the first present wins and a different value in another is reported.
- `note`, BibTeX `annote` and BibLaTeX `annotation` (where chilecite's exports say which notes cite
  the work, and how surely) -> comment: free text, never parsed into fields (a BibLaTeX `note` may say
  a genre, an occasion or "Translated from Spanish."). When several are present they are joined, in
  that order, as sentences separated by a space (a full stop added to one that has no closing
  punctuation); a repeated text is left out.
- chilecite's own BibTeX export (the file opens with `% BibTeX export of chilecite`, or, without that
  header, an entry whose keywords hold chilecite's markers and that has no field only the BibLaTeX
  export writes, such as `date`, `langid` or `annotation`)
  writes in a `@misc`'s `howpublished` the genre, occasion, container, publisher and place in words:
  that text goes to the comment (before `note`), not to container_title; a `@booklet`'s
  `howpublished` is its publisher. Other files' `howpublished` is read as above.
- `author`, `editor`, `translator` -> agents. A name in its own brace group (`{Partido Socialista de
  Chile}`, `author = {{...}}` in the file) is an Organisation; any other name is a Person split the
  BibTeX way: family (last), given (first), particle (von: `de la Fuente, Juan`), suffix (jr). An agent
  whose folded name (or organisation short name) matches a corpus agent is that agent; a new one gets
  the id `family-given` (`de-la-fuente-juan`), an organisation a slug of its name.
- The entry's key is kept when it matches `chilecite.vocabulary.KEY_RE` and is free; otherwise a key is
  proposed in the agreed Better BibTeX style (see `keys`), with `b`, `c`, ... added on a collision.
- `@string` macros (and the month macros `jan`...`dec`) are expanded, `#` concatenation included. A
  macro that is not defined leaves its field out, reported (CC070); one defined through itself, or
  beyond the bounds, refuses the entry (CC074). Fields after an extra `}` (which would be cut off
  the entry) refuse the entry (CC071).

Everything else (`abstract`, `file`, `urldate`, `shorttitle`, JabRef's `owner` and `timestamp`, a
value that does not parse, a second value for a field already set, a LaTeX command the decoder does
not know (kept as written), chilecite's own export markers among the keywords, an `entrysubtype` that
is none of the above, a bracketed title the record does not support, `@preamble`) is reported as CC070. `url`, `doi`, `eprint`, `file`, keys and the date fields are verbatim: they are
not LaTeX decoded (`%` and `~` stay as written).
"""

from __future__ import annotations

from chilecite.importing.agents import split_names
from chilecite.importing.command import MAX_INPUT_BYTES, ImportOutcome, import_file, render_import
from chilecite.importing.importer import ImportedRecord, ImportResult, Present, import_bibtex
from chilecite.importing.transaction import write_records

__all__ = ["MAX_INPUT_BYTES", "ImportOutcome", "ImportResult", "ImportedRecord", "Present", "import_bibtex", "import_file", "render_import",
           "split_names", "write_records"]
