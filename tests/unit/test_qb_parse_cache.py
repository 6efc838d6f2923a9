"""The import's parse caches give what the uncached parsers give, and callers cannot change a cached answer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from question_bank.rows import content_hash, near_key
from question_bank.types import QUESTION_TYPES, parse_answer, parse_type

ANSWER_CHARS = "ABCDEFGHIabc ,，、;；|｜/和对错√×是否TF01北京市上海"
STEM_PARTS = ("关于用电安全", "____", "__", "（ ）", "( )", "（）", "，", "是", "和")


@settings(max_examples=300, deadline=None)
@given(type_name=st.sampled_from(sorted(QUESTION_TYPES)), text=st.text(ANSWER_CHARS, max_size=12),
       options_count=st.integers(0, 8), stem=st.lists(st.sampled_from(STEM_PARTS), max_size=6).map("".join))
def test_cached_answer_parse_equals_the_types_own_parse(type_name: str, text: str, options_count: int,
                                                         stem: str) -> None:
    expected = QUESTION_TYPES[type_name].parse_answer(text, options_count, stem)
    for _ in range(2):  # the second call is answered from the cache
        assert parse_answer(type_name, text, options_count, stem) == expected


def test_a_fill_answer_is_checked_against_each_stems_own_blank_count() -> None:
    assert parse_answer("fill", "北京|上海", 0, "____和____是直辖市") == [["北京"], ["上海"]]
    mismatch = parse_answer("fill", "北京|上海", 0, "____是首都")
    assert mismatch == QUESTION_TYPES["fill"].parse_answer("北京|上海", 0, "____是首都")
    assert mismatch.code == "BLANK_COUNT_MISMATCH" and "题干有 1 个空" in mismatch.message


def test_a_letter_answer_is_checked_against_each_rows_own_option_count() -> None:
    assert parse_answer("single", "D", 4, "") == "D"
    assert parse_answer("single", "D", 3, "").code == "ANSWER_OUT_OF_RANGE"
    assert "A–C" in parse_answer("single", "D", 3, "").message


def test_changing_a_returned_multiple_choice_answer_does_not_change_the_next_rows() -> None:
    first = parse_answer("multiple", "A,B,D", 4, "")
    first.append("C")
    first[0] = "Z"
    assert parse_answer("multiple", "A,B,D", 4, "") == ["A", "B", "D"]


def test_changing_a_returned_fill_answer_does_not_change_the_next_rows() -> None:
    first = parse_answer("fill", "北京;北京市|上海", 0, "__和__")
    first[0].append("燕京")
    first.append(["天津"])
    assert parse_answer("fill", "北京;北京市|上海", 0, "__和__") == [["北京", "北京市"], ["上海"]]


def test_returned_answers_are_lists_as_stored_not_the_caches_tuples() -> None:
    assert type(parse_answer("multiple", "AB", 4, "")) is list
    fill = parse_answer("fill", "甲|乙", 0, "__与__")
    assert type(fill) is list and all(type(blank) is list for blank in fill)


def test_cached_answers_hash_as_the_uncached_ones_do() -> None:
    # The content hash is stored: a list from the cache must serialize exactly as the parser's own list.
    stem, options = "__和__是直辖市", []
    cached = parse_answer("fill", "北京|上海", 0, stem)
    own = QUESTION_TYPES["fill"].parse_answer("北京|上海", 0, stem)
    assert content_hash("fill", stem, options, cached) == content_hash("fill", stem, options, own)


@settings(max_examples=200, deadline=None)
@given(st.text("单选多题判断填空 SingleMULTIPLEfillJudge-_/", max_size=10))
def test_cached_type_names_equal_a_fresh_parse(text: str) -> None:
    assert parse_type(text) == parse_type.__wrapped__(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_cached_near_key_equals_a_fresh_one(text: str) -> None:
    assert near_key(text) == near_key.__wrapped__(text)
