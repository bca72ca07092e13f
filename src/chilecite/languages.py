"""Language tags (BCP 47, RFC 5646) as the records write them: `en`, `es`, `es-CL`, `sr-Latn`.

A tag is checked for the syntax of RFC 5646 (section 2.1: a language subtag, then an optional script,
region and variants) and its language subtag against ISO 639-1, the two-letter codes BCP 47 takes
as language subtags: the table below, taken from Debian's `iso-codes` 4.15 (`iso_639-2.json`, the
entries with an `alpha_2`). Script, region and variant subtags are checked for their form only.
Three-letter subtags (ISO 639-2/3, for a language with no two-letter code) are not in the table: add
the one a record needs, with its name. Case is BCP 47's convention (`es-CL`, `sr-Latn`), so that
exports can look a language up by its tag.
"""

from __future__ import annotations

import re

# ISO 639-1 code -> English name (iso-codes 4.15); for "did you mean" when a record writes a name.
LANGUAGES: dict[str, str] = {
    "aa": "Afar", "ab": "Abkhazian", "ae": "Avestan", "af": "Afrikaans", "ak": "Akan", "am": "Amharic", "an": "Aragonese", "ar": "Arabic",
    "as": "Assamese", "av": "Avaric", "ay": "Aymara", "az": "Azerbaijani", "ba": "Bashkir", "be": "Belarusian", "bg": "Bulgarian",
    "bh": "Bihari languages", "bi": "Bislama", "bm": "Bambara", "bn": "Bengali", "bo": "Tibetan", "br": "Breton", "bs": "Bosnian",
    "ca": "Catalan; Valencian", "ce": "Chechen", "ch": "Chamorro", "co": "Corsican", "cr": "Cree", "cs": "Czech",
    "cu": "Church Slavic; Old Slavonic; Church Slavonic; Old Bulgarian; Old Church Slavonic", "cv": "Chuvash", "cy": "Welsh", "da": "Danish",
    "de": "German", "dv": "Divehi; Dhivehi; Maldivian", "dz": "Dzongkha", "ee": "Ewe", "el": "Greek, Modern (1453-)", "en": "English",
    "eo": "Esperanto", "es": "Spanish; Castilian", "et": "Estonian", "eu": "Basque", "fa": "Persian", "ff": "Fulah", "fi": "Finnish", "fj": "Fijian",
    "fo": "Faroese", "fr": "French", "fy": "Western Frisian", "ga": "Irish", "gd": "Gaelic; Scottish Gaelic", "gl": "Galician", "gn": "Guarani",
    "gu": "Gujarati", "gv": "Manx", "ha": "Hausa", "he": "Hebrew", "hi": "Hindi", "ho": "Hiri Motu", "hr": "Croatian",
    "ht": "Haitian; Haitian Creole", "hu": "Hungarian", "hy": "Armenian", "hz": "Herero",
    "ia": "Interlingua (International Auxiliary Language Association)", "id": "Indonesian", "ie": "Interlingue; Occidental", "ig": "Igbo",
    "ii": "Sichuan Yi; Nuosu", "ik": "Inupiaq", "io": "Ido", "is": "Icelandic", "it": "Italian", "iu": "Inuktitut", "ja": "Japanese",
    "jv": "Javanese", "ka": "Georgian", "kg": "Kongo", "ki": "Kikuyu; Gikuyu", "kj": "Kuanyama; Kwanyama", "kk": "Kazakh",
    "kl": "Kalaallisut; Greenlandic", "km": "Central Khmer", "kn": "Kannada", "ko": "Korean", "kr": "Kanuri", "ks": "Kashmiri", "ku": "Kurdish",
    "kv": "Komi", "kw": "Cornish", "ky": "Kirghiz; Kyrgyz", "la": "Latin", "lb": "Luxembourgish; Letzeburgesch", "lg": "Ganda",
    "li": "Limburgan; Limburger; Limburgish", "ln": "Lingala", "lo": "Lao", "lt": "Lithuanian", "lu": "Luba-Katanga", "lv": "Latvian",
    "mg": "Malagasy", "mh": "Marshallese", "mi": "Maori", "mk": "Macedonian", "ml": "Malayalam", "mn": "Mongolian", "mr": "Marathi", "ms": "Malay",
    "mt": "Maltese", "my": "Burmese", "na": "Nauru", "nb": "Bokmål, Norwegian; Norwegian Bokmål", "nd": "Ndebele, North; North Ndebele",
    "ne": "Nepali", "ng": "Ndonga", "nl": "Dutch; Flemish", "nn": "Norwegian Nynorsk; Nynorsk, Norwegian", "no": "Norwegian",
    "nr": "Ndebele, South; South Ndebele", "nv": "Navajo; Navaho", "ny": "Chichewa; Chewa; Nyanja", "oc": "Occitan (post 1500); Provençal",
    "oj": "Ojibwa", "om": "Oromo", "or": "Oriya", "os": "Ossetian; Ossetic", "pa": "Panjabi; Punjabi", "pi": "Pali", "pl": "Polish",
    "ps": "Pushto; Pashto", "pt": "Portuguese", "qu": "Quechua", "rm": "Romansh", "rn": "Rundi", "ro": "Romanian; Moldavian; Moldovan",
    "ru": "Russian", "rw": "Kinyarwanda", "sa": "Sanskrit", "sc": "Sardinian", "sd": "Sindhi", "se": "Northern Sami", "sg": "Sango",
    "si": "Sinhala; Sinhalese", "sk": "Slovak", "sl": "Slovenian", "sm": "Samoan", "sn": "Shona", "so": "Somali", "sq": "Albanian", "sr": "Serbian",
    "ss": "Swati", "st": "Sotho, Southern", "su": "Sundanese", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "tg": "Tajik",
    "th": "Thai", "ti": "Tigrinya", "tk": "Turkmen", "tl": "Tagalog", "tn": "Tswana", "to": "Tonga (Tonga Islands)", "tr": "Turkish", "ts": "Tsonga",
    "tt": "Tatar", "tw": "Twi", "ty": "Tahitian", "ug": "Uighur; Uyghur", "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek", "ve": "Venda",
    "vi": "Vietnamese", "vo": "Volapük", "wa": "Walloon", "wo": "Wolof", "xh": "Xhosa", "yi": "Yiddish", "yo": "Yoruba", "za": "Zhuang; Chuang",
    "zh": "Chinese", "zu": "Zulu",
}

_TAG_RE = re.compile(r"^(?P<language>[a-z]{2,3})(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?(-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*\Z")
TAG_PATTERN = r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?(-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*$"


def is_language_tag(tag: str) -> bool:
    """Whether `tag` is a BCP 47 tag of the form the records use, with a known language subtag."""
    match = _TAG_RE.match(tag)
    return match is not None and match["language"] in LANGUAGES


def suggest_tags(text: str) -> list[str]:
    """The tags a mistaken value most likely meant: `Spanish` -> es, `ES` -> es, `es_CL` -> es-CL."""
    from chilecite.vocabulary import closest

    candidate = text.strip().replace("_", "-")
    first, *rest = candidate.split("-")
    fixed = "-".join([first.lower(), *(_conventional_case(part) for part in rest)])
    if fixed != text and is_language_tag(fixed):
        return [fixed]
    wanted = candidate.casefold()
    by_name: dict[str, str] = {}
    for code, names in LANGUAGES.items():
        for name in names.split(";"):
            by_name.setdefault(name.strip().casefold(), code)
    if wanted in by_name:
        return [by_name[wanted]]
    return [by_name[name] for name in closest(wanted, by_name, n=2)]


def _conventional_case(subtag: str) -> str:
    """A subtag after the language in BCP 47's conventional case: script `Latn`, region `CL`, variants lower-case."""
    if len(subtag) == 4 and subtag.isalpha():
        return subtag.title()
    if len(subtag) == 2 and subtag.isalpha():
        return subtag.upper()
    return subtag.lower()
