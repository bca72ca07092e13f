"""Codes for files that cannot become records: the file system, YAML, the schema. The loader reports them."""

from __future__ import annotations

from chilecite.problems import Rule
from chilecite.rules.base import ERROR


def _load(code: str, title: str, hint: str, docs: str, split_from: str | None = None) -> Rule:
    return Rule(code, ERROR, title, hint, docs, split_from=split_from, reported_by="loader")


YAML_SYNTAX = _load("CC001", "YAML syntax error", "Check indentation, colons and quotes on this line.",
                    "The file is not well-formed YAML; the position is where the parser gave up.")
DUPLICATE_KEY = _load("CC002", "Duplicate key in a mapping", "Keep one of the two keys; YAML would silently drop the other.",
                      "Plain YAML keeps the last of two equal keys and loses the first without a word; records refuse both.")
ANCHOR_ALIAS = _load("CC003", "YAML anchor or alias", "Write values out in full; records may not use anchors or aliases.",
                     "Anchors and aliases can multiply a small file into gigabytes (billion laughs); records never need them.")
OBJECT_TAG = _load("CC004", "YAML tag that would build an object", "Remove the tag: records hold plain strings, numbers, lists and mappings.",
                   "Tags such as !!python/object or !!binary are refused; only the core scalar, list and mapping tags are read.")
SCHEMA = _load("CC005", "Field missing, unknown, or of the wrong type", "`chilecite schema --show KIND.FIELD` shows the field: its description, type and an example.",
               "The record does not fit its model: a required field is missing, a field is misspelt, or a value has the wrong type or form. "
               "The message names the field, what is expected (with an example) and what was found, with the nearest valid "
               "field, value or language tag. The rest of the record is still checked against the other records, so a slip "
               "in one field is one error in one file; what else is wrong with that record is reported once the fault is fixed.")
TOO_LARGE = _load("CC006", "File too large for a record", "A record is a few kilobytes; split or shorten it.",
                  "Files over 1,000,000 bytes are not read at all.")
BAD_FILE_NAME = _load("CC007", "File name is not a valid record id", "Use lower-case ASCII letters, digits and hyphens: `miliband1973coup.yaml`.",
                      "A work's, agent's or quotation's id is its file name, so the name must be a valid id.")
NOT_UTF8 = _load("CC008", "File is not UTF-8", "Save the file as UTF-8.",
                 "The position is the first byte that is not UTF-8.", split_from="CC001")
TOO_DEEP = _load("CC009", "Nesting too deep", "Records are a few levels deep; flatten the value.",
                 "Mappings and lists nested more than 40 levels deep are refused before parsing.", split_from="CC001")
MANY_DOCUMENTS = _load("CC090", "More than one YAML document in a file", "Keep one record per file; remove the `---` line.",
                       "A second `---` document would be ignored by other YAML readers.", split_from="CC001")
COMPLEX_KEY = _load("CC091", "Mapping key is not a plain word", "Write keys as simple words such as `title:`.",
                    "A list or mapping used as a key (`? [a, b]`) has no meaning in a record.", split_from="CC001")
NOT_A_MAPPING = _load("CC092", "Record is not a mapping of fields", "Start the file with `field: value` lines.",
                      "The file holds a list, a single value or nothing at all.", split_from="CC005")
UNKNOWN_PLACE = _load("CC093", "File is not where any kind of record goes", "Put records in records/notes, works, agents or quotations; the essay record is records/essay.yaml.",
                      "The kind of a record is the folder it is in.", split_from="CC007")
NOTE_FILE_NAME = _load("CC094", "Note number does not match the file name", "Name note files by their three-digit number: note 32 is notes/032.yaml.",
                       "", split_from="CC007")
NOT_REGULAR = _load("CC095", "Not a regular file", "Replace it with a plain YAML file (not a directory, pipe, device or socket).",
                    "Only regular files are read, so a pipe cannot hang the validator and a device cannot fill the memory.")
OUTSIDE_TREE = _load("CC096", "Link that leads nowhere, in a loop, or out of the records tree", "Replace the link by the file itself.",
                     "A symbolic link is followed only when it resolves to a regular file inside the records tree.")
UNREADABLE = _load("CC097", "File cannot be read", "Check the file's permissions.",
                   "The operating system refused to open or read the file; the reason is in the message.")
ESSAY_TEXT = _load("CC098", "Reference text cannot be used", "Run `chilecite essay` to see where the text is looked for and what it should be.",
                   "The essay's reference text exists but is not a readable UTF-8 regular file.")

RULES = (YAML_SYNTAX, DUPLICATE_KEY, ANCHOR_ALIAS, OBJECT_TAG, SCHEMA, TOO_LARGE, BAD_FILE_NAME, NOT_UTF8, TOO_DEEP,
         MANY_DOCUMENTS, COMPLEX_KEY, NOT_A_MAPPING, UNKNOWN_PLACE, NOTE_FILE_NAME, NOT_REGULAR, OUTSIDE_TREE, UNREADABLE, ESSAY_TEXT)
