"""argparse in Norwegian: its own messages and help words, swapped in while the CLI parses.

Why: a newcomer's first mistake on the command line («the following arguments are required»,
«invalid choice») should be answered in the language of the rest of the tool. argparse looks its
texts up through `gettext` at call time (module globals `_` and `ngettext`), so they are replaced
for the duration of a parse only, and put back: other users of argparse in the same process
(pytest, Streamlit) are not affected.
"""

from __future__ import annotations

import argparse
import contextlib
from typing import Iterator

TEXTS = {
    "usage: ": "bruk: ",
    "positional arguments": "argumenter",
    "options": "valg",
    "optional arguments": "valg",
    "show this help message and exit": "vis denne hjelpen og avslutt",
    "the following arguments are required: %s": "disse argumentene mangler: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "ugyldig valg: %(value)r (velg blant %(choices)s)",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s: %(message)s",
    "unrecognized arguments: %s": "ukjente argumenter: %s",
    "invalid %(type)s value: %(value)r": "ugyldig verdi: %(value)r (ventet et tall)",
    "expected one argument": "mangler en verdi",
    "expected at most one argument": "ventet høyst én verdi",
    "expected at least one argument": "ventet minst én verdi",
    "ambiguous option: %(option)s could match %(matches)s": "tvetydig valg: %(option)s kan være %(matches)s",
    "not allowed with argument %s": "kan ikke brukes sammen med %s",
    "ignored explicit argument %r": "ignorerte verdien %r",
    "one of the arguments %s is required": "ett av argumentene %s må gis",
    "unexpected option string: %s": "uventet valg: %s",
    "show program's version number and exit": "vis versjonsnummeret og avslutt",
    "%(prog)s: error: %(message)s\n": "%(prog)s: feil: %(message)s\n",
}
PLURALS = {
    ("expected %s argument", "expected %s arguments"): ("ventet %s verdi", "ventet %s verdier"),
}


def norwegian(text: str) -> str:
    return TEXTS.get(text, text)


def norwegian_n(singular: str, plural: str, n: int) -> str:
    one, many = PLURALS.get((singular, plural), (singular, plural))
    return one if n == 1 else many


@contextlib.contextmanager
def norwegian_argparse() -> Iterator[None]:
    """argparse's texts in Norwegian inside the block."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = norwegian, norwegian_n
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class NorwegianFormatter(argparse.HelpFormatter):
    """Help with Norwegian section words (the usage prefix included)."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix if prefix is not None else "bruk: ")
