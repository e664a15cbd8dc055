"""Attribution lines: what credits, copyrights or links an article rather than
telling its news.

An agency or aggregator feed puts the same lines on every item: a dateline
crediting the agency ("Brussels (dpa) - ..."), the agency's copyright line,
"Read more: <another title>". Shingled with the text they make unrelated items
look alike, and the site-boilerplate pass cannot take them out when the feed
gives every item one source or none. They are recognised here by their form
alone, whatever the metadata says, and left out of what is matched (shingles,
passage fingerprints, lead entities); the stored text keeps them.

A line (a paragraph: text between line breaks) is an attribution line when it
is short and is
- a copyright line: "©", "Copyright 2026 ...", "Copyright: ...", "All rights
  reserved", "Alle Rechte vorbehalten" (and the French, Spanish, Italian forms);
- a link to another article: "Read more: ...", "See also: ...", "Mehr lesen:
  ...", "Lesen Sie auch: ...", "Mehr zum Thema: ...";
- a credit: agency names alone ("(dpa)", "Reuters", "dpa/AFP", "AP and
  Reuters"), a few words in parentheses ("(dpa/lno)"), "Source: ...", "Quelle:
  ...", "Foto: ...", "Photo: ...", "Mit Material von ...", "Reporting by ...;
  Editing by ...".
Such lines are dropped wherever they stand: their form says what they are. A
sentence that only mentions an agency ("Reuters reported that ...") is no
credit and stays. Of the first line only its dateline credit goes ("Berlin
(dpa) - ", "WASHINGTON, Dec 5 (Reuters) - "): the sentence after it is news.
"""

from __future__ import annotations

import re

# Longer lines are prose (or a site's whole footer, left to the site-boilerplate pass).
MAX_LINE_WORDS = 40
# No line of MAX_LINE_WORDS words is longer than this: longer ones are not even split.
MAX_LINE_CHARS = 60 * MAX_LINE_WORDS
MAX_CREDIT_WORDS = 20
# Words that may stand in parentheses as a credit ("(dpa)", "(dpa/lno)", "(AP)"),
# alone on a line or in a dateline ("(Thomson Reuters Foundation)").
MAX_PARENTHESISED_WORDS = 4
MAX_DATELINE_CREDIT_WORDS = 3

# Looked for as substrings of the case-folded line: a regular expression of
# alternatives searched through every short line costs more than the rest together.
_RIGHTS_RESERVED = (
    "©",
    "all rights reserved",
    "alle rechte vorbehalten",
    "tous droits réservés",
    "todos los derechos reservados",
    "tutti i diritti riservati",
)
_COPYRIGHT_WORD = re.compile(r"\bcopyright\s*(?:©|\(c\)|\d{4}|:)")
_LINK = re.compile(
    r"\W*(?:read more|read also|also read|see also|more on this(?: story| topic)?"
    r"|mehr lesen|lesen sie (?:auch|mehr|hier)|mehr zum thema|weiterlesen|auch interessant)"
    r"\s*(?::|>|»|\u2192|\.{3}|…)",
    re.IGNORECASE,
)
_CREDIT_PREFIX = re.compile(
    r"\W*(?:(?:sources?|quellen?|fotos?|photos?|bild(?:er)?|images?|pictures?|credits?)\s*:"
    r"|mit material (?:von|der|des)\b|(?:additional |with )?reporting by\b|writing by\b"
    r"|editing by\b)",
    re.IGNORECASE,
)
_AGENCY = (
    r"(?:dpa(?:-[a-z]+)?|afp|ap|reuters|kna|epd|apa|sda|keystone-sda|ansa|efe|xinhua|tass"
    r"|kyodo|upi|ddp|dapd|sid|aap|ani|pti|ians|anp|belga|pap|ctk|bloomberg|associated press"
    r"|agence france-presse|press association)"
)
# Agency names alone, joined by "/", ",", "&", "and", "und"; a trailing "." or a
# regional code after a slash ("dpa/lno") is allowed.
_AGENCIES_ALONE = re.compile(
    rf"{_AGENCY}(?:\s*(?:[/,&+]|\band\b|\bund\b)\s*(?:{_AGENCY}|[a-z]{{2,4}}))*\s*\.?",
    re.IGNORECASE,
)
_PARENTHESISED = re.compile(r"\(([^()]{1,60})\)\.?")
# "City (credit) - ", "WASHINGTON, Dec 5 (Reuters) - ", "(dpa) - ": up to six words of
# place and date, a short credit in parentheses, a dash.
_DATELINE = re.compile(
    r"\s*(?:[^\W\d_][\w.'’/-]*(?:[ ,]+[\w.'’/-]+){0,5}\s*)?\(([^()\n]{1,40})\)\s*[-–—]\s+"
)


def is_attribution_line(line: str) -> bool:
    """Whether a line is a copyright line, a link to another article or a credit
    (see the module's docstring)."""
    if len(line) > MAX_LINE_CHARS:
        return False
    stripped = line.strip()
    words = len(stripped.split())
    if not words or words > MAX_LINE_WORDS:
        return False
    if _is_copyright(stripped.casefold()) or _LINK.match(stripped):
        return True
    if words > MAX_CREDIT_WORDS:
        return False
    if _CREDIT_PREFIX.match(stripped) or _AGENCIES_ALONE.fullmatch(stripped):
        return True
    parenthesised = _PARENTHESISED.fullmatch(stripped)
    return parenthesised is not None and len(parenthesised[1].split()) <= MAX_PARENTHESISED_WORDS


def _is_copyright(folded: str) -> bool:
    if any(mark in folded for mark in _RIGHTS_RESERVED):
        return True
    return "copyright" in folded and _COPYRIGHT_WORD.search(folded) is not None


def without_dateline_credit(line: str) -> str:
    """The line without a leading dateline credit ("Berlin (dpa) - "), if it has one."""
    dateline = _DATELINE.match(line)
    if dateline is None or len(dateline[1].split()) > MAX_DATELINE_CREDIT_WORDS:
        return line
    return line[dateline.end() :]


def without_attribution(text: str) -> str:
    """The text as matched: its attribution lines dropped and the dateline credit
    of its first line taken off; the text itself if nothing else would remain."""
    lines = [line for line in text.splitlines() if line.strip()]
    kept = [line for line in lines if not is_attribution_line(line)]
    if not kept:
        return text
    kept[0] = without_dateline_credit(kept[0])
    if len(kept) == len(lines) and kept[0] is lines[0]:
        return text  # nothing recognised: the text as given
    return "\n".join(kept)
