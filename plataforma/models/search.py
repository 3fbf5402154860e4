"""Search documents (SPEC §14): normalised words kept next to what is searched.

Events, sessions and products carry two columns kept up to date on every insert and
update (mapper events, so every writer keeps them right, whichever service it is):

* ``search_title``: the words of the title (name for products);
* ``search_text``: the words of every searched field (title/name, description, speaker,
  category, tags).

Words are case-folded, stripped of accents (NFKD without combining marks) and separated
by single spaces with a space on each side, so "every word of q is a prefix of a word"
is ``search_text LIKE '% <word>%'`` for each word of q, on SQLite and PostgreSQL alike
(where a pg_trgm GIN index serves those LIKEs). Doing the normalisation in Python, once,
makes both databases give exactly the same results.
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

_WORD = re.compile(r"[^\W_]+")


def words(text: str | None) -> list[str]:
    """The searchable words of ``text``: case-folded, without accents ("Café-Bar" -> ["cafe", "bar"])."""
    if not text:
        return []
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _WORD.findall(plain.casefold())


def document(*parts) -> str:
    """`` word word word `` (leading and trailing space) of all the parts; lists are flattened."""
    found: list[str] = []
    for part in parts:
        for text in part if isinstance(part, list | tuple) else [part]:
            found.extend(words(text))
    return f" {' '.join(found)} " if found else ""


# model -> (title attribute, other searched attributes)
SEARCHED: dict[type, tuple[str, tuple[str, ...]]] = {}


def searchable(model, title: str, *others: str) -> None:
    """Keep ``model``'s search columns in step with its fields."""
    SEARCHED[model] = (title, others)

    def refresh(_mapper, _connection, target) -> None:
        refresh_document(target)

    sa.event.listen(model, "before_insert", refresh)
    sa.event.listen(model, "before_update", refresh)


def refresh_document(target) -> None:
    title, others = SEARCHED[type(target)]
    target.search_title = document(getattr(target, title))
    target.search_text = document(getattr(target, title), *(getattr(target, name) for name in others))


class SearchDocument:
    """Mixin: the two search columns (filled by :func:`searchable`'s mapper events)."""

    search_title: Mapped[str | None] = mapped_column(sa.Text)
    search_text: Mapped[str | None] = mapped_column(sa.Text)


def trigram_index(model) -> sa.Index:
    """The pg_trgm GIN index that serves ``search_text LIKE '% word%'`` (a plain, unused one on SQLite)."""
    table = model.__tablename__
    return sa.Index(
        f"ix_{table}_search_text_trgm",
        model.search_text,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
