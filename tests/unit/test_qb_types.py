"""Answer spellings parse to one canonical answer per type; answers are checked on normalized keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from question_bank.types import (
    ANSWER_EMPTY,
    ANSWER_OUT_OF_RANGE,
    BLANK_COUNT_MISMATCH,
    JUDGE_INVALID,
    MULTIPLE_ONE_KEY,
    QUESTION_TYPES,
    SINGLE_MULTIPLE_KEYS,
    Invalid,
    answer_key,
    check_answer,
    count_blanks,
    parse_type,
)

single, multiple, judge, fill = (QUESTION_TYPES[n] for n in ("single", "multiple", "judge", "fill"))
FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "ABCDEFGH"}


def code(result: object) -> str | None:
    return result.code if isinstance(result, Invalid) else None


@pytest.mark.parametrize("text, name", [("单选", "single"), ("多选题", "multiple"), ("判断", "judge"),
                                        ("填空", "fill"), (" Single ", "single"), ("MULTIPLE", "multiple"),
                                        ("true/false", "judge"), ("fill", "fill"), ("问答", None)])
def test_type_names_in_chinese_or_english(text: str, name: str | None) -> None:
    assert parse_type(text) == name


def test_single_answer_is_one_letter_in_range() -> None:
    assert single.parse_answer(" b ", 4, "") == "B"
    assert single.parse_answer("Ｃ", 4, "") == "C"
    assert code(single.parse_answer("E", 4, "")) == ANSWER_OUT_OF_RANGE
    assert code(single.parse_answer("AB", 4, "")) == SINGLE_MULTIPLE_KEYS
    assert code(single.parse_answer("  ", 4, "")) == ANSWER_EMPTY
    assert code(single.parse_answer("1", 4, "")) == ANSWER_OUT_OF_RANGE


@pytest.mark.parametrize("text", ["ABD", "A,B,D", "A，B，D", "A；B；D", "A;B;D", "a b d", "D、B、A", "ＡＢＤ",
                                  "Ａ；Ｂ；Ｄ", "A/B/D", "ABDA"])
def test_multiple_answer_spellings_give_the_sorted_key(text: str) -> None:
    assert multiple.parse_answer(text, 4, "") == ["A", "B", "D"]


def test_multiple_with_one_key_or_out_of_range_is_refused() -> None:
    assert code(multiple.parse_answer("A", 4, "")) == MULTIPLE_ONE_KEY
    assert code(multiple.parse_answer("AA", 4, "")) == MULTIPLE_ONE_KEY
    assert code(multiple.parse_answer("AE", 4, "")) == ANSWER_OUT_OF_RANGE


@given(st.lists(st.sampled_from("ABCDEFGH"), min_size=2, max_size=8, unique=True).flatmap(
    lambda keys: st.tuples(st.just(keys), st.permutations(keys), st.sampled_from(["", ",", "，", ";", "；", "、", " "]),
                           st.booleans(), st.booleans())))
def test_any_permutation_and_spelling_of_a_multiple_answer_parses_to_the_same_sorted_key(case) -> None:
    keys, order, sep, lower, wide = case
    letters = [FULL_WIDTH[c] if wide else c for c in order]
    text = sep.join(c.lower() if lower else c for c in letters)
    assert multiple.parse_answer(text, 8, "") == sorted(keys)


TRUE_SPELLINGS = ["对", "正确", "√", "✓", "是", "T", "t", "true", "TRUE", "1", "Ｔ"]
FALSE_SPELLINGS = ["错", "错误", "×", "✗", "否", "F", "f", "false", "False", "0", "０"]


@given(st.sampled_from(TRUE_SPELLINGS + FALSE_SPELLINGS), st.sampled_from(["", " ", "\u3000", "\u00a0", "\u200b"]))
def test_judge_spellings_parse_to_a_bool_whatever_the_padding(text: str, pad: str) -> None:
    assert judge.parse_answer(pad + text + pad, 0, "") is (text in TRUE_SPELLINGS)


def test_judge_unknown_spelling_is_refused() -> None:
    assert code(judge.parse_answer("也许", 0, "")) == JUDGE_INVALID
    assert code(judge.parse_answer("", 0, "")) == ANSWER_EMPTY


@pytest.mark.parametrize("stem, blanks", [("中国的首都是____。", 1), ("____和____是直辖市", 2), ("（ ）是首都", 1),
                                          ("( )是首都，（\u3000）是直辖市", 2), ("＿＿＿是首都", 1), ("一个_下划线", 0)])
def test_blanks_are_counted_in_the_stem(stem: str, blanks: int) -> None:
    assert count_blanks(stem) == blanks


def test_fill_answer_splits_blanks_and_alternatives_and_checks_the_count() -> None:
    assert fill.parse_answer("北京;北京市|上海", 0, "__和__") == [["北京", "北京市"], ["上海"]]
    assert fill.parse_answer("北京；北京市｜上海", 0, "__和__") == [["北京", "北京市"], ["上海"]]
    assert fill.parse_answer("北京", 0, "中国的首都是哪里？") == [["北京"]]
    assert code(fill.parse_answer("北京", 0, "__和__")) == BLANK_COUNT_MISMATCH
    assert code(fill.parse_answer("北京||上海", 0, "__、__、__")) == ANSWER_EMPTY


@pytest.mark.parametrize("given_text, accepted", [("北京", "北京"), ("  北 京 ", "北京"), ("Beijing", "beijing"),
                                                  ("臺灣", "台湾"), ("“北京”。", "北京"), ("ＡＢＣ", "abc"),
                                                  ("《红楼梦》", "红楼梦"), ("5G—NR", "5GNR")])
def test_fill_answers_compare_on_the_normalized_key(given_text: str, accepted: str) -> None:
    assert check_answer("fill", [[accepted]], [given_text])


def test_fill_needs_every_blank_right() -> None:
    key = [["北京", "北京市"], ["上海"]]
    assert check_answer("fill", key, ["北京市", "上海"])
    assert not check_answer("fill", key, ["北京市", "天津"])
    assert not check_answer("fill", key, ["北京市"])


def test_choice_checks() -> None:
    assert check_answer("single", "B", "b") and not check_answer("single", "B", "C")
    assert check_answer("multiple", ["A", "C"], ["C", "A"]) and not check_answer("multiple", ["A", "C"], ["A"])
    assert check_answer("judge", True, True) and not check_answer("judge", True, "true")


@settings(max_examples=1000)
@given(st.text())
def test_normalization_is_idempotent(text: str) -> None:
    assert answer_key(answer_key(text)) == answer_key(text)


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=12))
def test_normalization_of_chinese_text_is_idempotent(text: str) -> None:
    assert answer_key(answer_key(text)) == answer_key(text)


def test_chained_traditional_forms_normalize_to_the_final_simplified_form() -> None:
    assert answer_key("薴") == answer_key("苧") == answer_key("苎")


@given(st.text(alphabet="北京上海臺灣abcXYZ ，。、“”‘’【】《》—", max_size=20))
def test_normalization_ignores_padding_and_punctuation(text: str) -> None:
    assert answer_key(f" 【{text}】。 ") == answer_key(text)


def test_every_type_is_registered_once() -> None:
    assert set(QUESTION_TYPES) == {"single", "multiple", "judge", "fill"}
    assert all(name == t.name for name, t in QUESTION_TYPES.items())
