"""Vietnamese text: Unicode normalisation, diacritic-free folding for search, name parts, sort keys."""

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_HAS_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]").search
_NOT_HEADER = re.compile(r"[^a-z0-9]+")

# Combining marks: the five tones, in dictionary order after the level tone (a à ả ã á ạ).
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Vietnamese alphabet order, with the Latin letters that foreign names use in their Latin places.
_ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n",
    "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]  # fmt: skip
# Two digits a symbol so that the key orders the same under every database collation.
_PRIMARY = {ch: f"{i + 11:02d}" for i, ch in enumerate(_ALPHABET)} | {str(d): f"{d + 1:02d}" for d in range(10)}


def clean(value: object) -> str:
    """NFC, one plain space between words, none at the ends (non-breaking and zero-width spaces too)."""
    if value is None:
        return ""
    text = value if value.__class__ is str else str(value)
    if not text.isascii():  # ASCII is already NFC and has none of the invisible characters
        text = unicodedata.normalize("NFC", text)
        if _HAS_INVISIBLE(text):
            text = text.translate(_INVISIBLE)
    # The same as _SPACES.sub(" ", text).strip(): regex \s and str.split() agree on what a space is, and the
    # zero-width ones in _SPACES are gone with the invisible characters.
    return " ".join(text.split())


def fold(value: object) -> str:
    """Lower case without diacritics: "Nguyễn Thị Hoà" → "nguyen thi hoa" (for search and matching)."""
    text = clean(value)
    if text.isascii():
        return text.lower()
    # Word by word gives the same text (clean() leaves one plain space between words, and a space ends every
    # context that normalisation or lower() looks at), and words repeat far more than whole texts.
    return " ".join([_fold_word(word) for word in text.split(" ")])


@lru_cache(maxsize=16384)
def _fold_word(word: str) -> str:
    text = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def tidy_name(value: object) -> str:
    """A person's name in NFC with capitalised words when it came all in upper or all in lower case."""
    name = clean(value)
    if name and (name.isupper() or name.islower()):
        name = " ".join(word[:1].upper() + word[1:].lower() for word in name.split(" "))
    return name


def split_name(full_name: str) -> tuple[str, str, str]:
    """(family, middle, given): "Nguyễn Thị Hoà" → ("Nguyễn", "Thị", "Hoà")."""
    words = clean(full_name).split(" ")
    if len(words) == 1:
        return "", "", words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


@lru_cache(maxsize=16384)  # name parts repeat a lot (Nguyễn, Thị, Anh): each is worked out once
def _letters(part: str) -> tuple[str, str]:
    """Primary key (letters) and secondary key (one tone a syllable, wherever its mark sits: hoà = hòa)."""
    primary, tones = [], []
    for word in part.lower().split():
        tone = 0
        for ch in unicodedata.normalize("NFD", word):
            if ch in _TONES:
                tone = _TONES[ch]
            elif unicodedata.combining(ch):
                # Breve, circumflex and horn make another letter (ă â ê ô ơ ư): fold into the previous one.
                composed = unicodedata.normalize("NFC", primary[-1] + ch) if primary else ""
                if composed in _PRIMARY:
                    primary[-1] = composed
            elif ch in _PRIMARY:
                primary.append(ch)
        tones.append(str(tone))
    return "".join(_PRIMARY[ch] for ch in primary), "".join(tones)


@lru_cache(maxsize=16384)
def name_sort_key(family: str, middle: str, given: str) -> str:
    """Orders names the Vietnamese way: given name, then family, then middle; within each, letters in
    Vietnamese alphabet order ("Đ" after "D") and then tones (Anh < Ánh < Ăn). Digits only, so every
    database collation orders the keys alike."""
    key = []
    for part in (given, family, middle):
        primary, tones = _letters(part)
        key.append(primary + "00" + tones)
    return "".join(key)


def header_key(value: object) -> str:
    """A column header as it is matched: no case, diacritics, spacing or punctuation differences."""
    return _NOT_HEADER.sub("", fold(value))
