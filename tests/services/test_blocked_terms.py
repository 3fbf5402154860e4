"""Blocked terms (SPEC §15): whole words or phrases, case- and accent-insensitive after NFKC; near misses pass."""

from __future__ import annotations

import pytest

from plataforma.services import moderation
from plataforma.services.moderation import blocked_pattern, contains_blocked_term, normalise

TERMS = ["spam", "café", "free money", "c++", "Ｂａｄ"]

BLOCKED = [
    ("spam", "the term alone"),
    ("SPAM!", "upper case, punctuation after"),
    ("this is Spam.", "inside a sentence"),
    ("ｓｐａｍ", "full-width letters (NFKC)"),
    ("spa\u0301m", "a combining accent inside the word"),
    ("cafe", "the accent left out"),
    ("CAFÉ", "upper case with the accent"),
    ("cafe\u0301", "a combining acute instead of é"),
    ("ｃａｆé", "full-width plus an accent"),
    ("get free money now", "a phrase"),
    ("get FREE   money now", "a phrase with several spaces"),
    ("free\tmoney", "a phrase with a tab"),
    ("I like c++ a lot", "a term with symbols"),
    ("bad", "a full-width term matches plain text"),
    ("(spam)", "between brackets"),
    ("spam-filled", "a hyphen is not a letter"),
]

PASSES = [
    ("spammer", "a longer word"),
    ("antispam", "the term at the end of a word"),
    ("spam_bot", "an underscore joins words"),
    ("spam1", "a digit joins words"),
    ("cafeteria", "a longer word with the accent-free term inside"),
    ("free", "one word of a phrase"),
    ("money free", "the phrase reversed"),
    ("freemoney", "the phrase without its space"),
    ("badge", "the full-width term inside a longer word"),
    ("c+", "a shorter symbol term"),
    ("s p a m", "letters spaced out (not the word)"),
    ("", "empty"),
]


@pytest.mark.parametrize("text, why", BLOCKED)
def test_blocked(text, why):
    assert contains_blocked_term(text, TERMS), why


@pytest.mark.parametrize("text, why", PASSES)
def test_near_misses_pass(text, why):
    assert not contains_blocked_term(text, TERMS), why


def test_normalise_folds_width_case_and_accents():
    assert normalise("Ｃａｆé") == "cafe"
    assert normalise("ÉCOLE") == "ecole"
    assert normalise("ﬁne") == "fine"  # a ligature (NFKC)


def test_no_terms_blocks_nothing():
    assert not contains_blocked_term("anything", [])
    assert blocked_pattern(()) is None
    assert blocked_pattern(("   ",)) is None


def test_each_list_of_terms_is_compiled_once(monkeypatch):
    blocked_pattern.cache_clear()
    terms = ["one", "two", "three"]
    for _ in range(50):
        contains_blocked_term("one message", terms)
    info = blocked_pattern.cache_info()
    assert info.misses == 1 and info.hits == 49
    contains_blocked_term("x", ["another"])
    assert blocked_pattern.cache_info().misses == 2


def test_the_refusal_never_repeats_the_term():
    class Session:
        blocked_terms = ["secretword"]

    with pytest.raises(Exception) as caught:
        moderation.check_blocked_terms(Session(), "say SecretWord now")
    error = caught.value
    assert error.code == "blocked_term" and error.status == 400
    assert "secretword" not in (error.message + str(error.fields)).lower()
