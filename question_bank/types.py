"""Question types: answer spellings parsed to a canonical answer, and answers checked (plain Python)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar, Protocol

from question_bank.tabular import match_key

LETTERS = "ABCDEFGH"
MAX_OPTIONS = len(LETTERS)

# Stable error codes of answer parsing (the importer reports them as they are).
ANSWER_EMPTY = "ANSWER_EMPTY"
ANSWER_OUT_OF_RANGE = "ANSWER_OUT_OF_RANGE"
SINGLE_MULTIPLE_KEYS = "SINGLE_MULTIPLE_KEYS"
MULTIPLE_ONE_KEY = "MULTIPLE_ONE_KEY"
JUDGE_INVALID = "JUDGE_INVALID"
BLANK_COUNT_MISMATCH = "BLANK_COUNT_MISMATCH"

_LETTER_SEPARATORS = re.compile(r"[\s,，、;；/|和与及]+")
# After NFKC: "__"+ (also full-width ＿＿) or empty parentheses (（ ）, ( ), with U+3000 inside).
_BLANK = re.compile(r"_{2,}|\(\s*\)")
_JUDGE = {
    **dict.fromkeys(("对", "正确", "√", "✓", "✔", "是", "t", "true", "1", "y", "yes"), True),
    **dict.fromkeys(("错", "错误", "×", "✗", "✘", "否", "f", "false", "0", "n", "no", "x"), False),
}


@dataclass(frozen=True)
class Invalid:
    """Why an answer cell could not be parsed: a stable code and a Chinese message."""

    code: str
    message: str


class QuestionType(Protocol):
    """What every entry of QUESTION_TYPES provides."""

    name: ClassVar[str]
    label: ClassVar[str]
    has_options: ClassVar[bool]
    reads_blanks: ClassVar[bool]  # parse_answer reads the stem, and only its blank count (count_blanks)

    def parse_answer(self, text: str, options_count: int, stem: str) -> Any:
        """Canonical answer for an answer cell, or Invalid."""

    def check(self, canonical: Any, choice: Any) -> bool:
        """True when a player's choice is correct."""


@lru_cache(maxsize=1)
def _t2s() -> Any:
    from opencc import OpenCC  # built once, lazily: loading the dictionaries takes a while

    return OpenCC("t2s")


def answer_key(text: str) -> str:
    """Key for comparing fill answers: t2s, NFKC, casefold, whitespace and punctuation removed."""
    key = match_key(text)
    # Repeat until nothing changes: t2s chains (薴 → 苧 → 苎), and removing a spacing mark lets NFKC compose anew.
    for _ in range(8):
        cleaned = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", _t2s().convert(key)).casefold())
        cleaned = "".join(c for c in cleaned if not (c.isspace() or unicodedata.category(c)[0] in "PZC"))
        if cleaned == key:
            break
        key = cleaned
    return key


def count_blanks(stem: str) -> int:
    """Number of blanks in a stem: runs of two or more underscores, or empty parentheses."""
    return len(_BLANK.findall(match_key(stem)))


def _letters(text: str, options_count: int) -> list[str] | Invalid:
    """Distinct option letters of an answer cell in any spelling (ABD, A,B,D, Ａ；Ｂ), sorted."""
    key = _LETTER_SEPARATORS.sub("", match_key(text)).upper()
    if not key:
        return Invalid(ANSWER_EMPTY, "答案为空")
    valid = LETTERS[:options_count]
    if any(c not in valid for c in key):
        span = f"A–{valid[-1]}" if valid else "（无选项）"
        return Invalid(ANSWER_OUT_OF_RANGE, f"答案「{text}」不是有效的选项字母，应在 {span} 之间")
    return sorted(set(key))


class SingleChoice:
    """单选: one option letter."""

    name: ClassVar[str] = "single"
    label: ClassVar[str] = "单选"
    has_options: ClassVar[bool] = True
    reads_blanks: ClassVar[bool] = False

    def parse_answer(self, text: str, options_count: int, stem: str) -> str | Invalid:
        """Parse an answer cell into one letter, e.g. "B"."""
        letters = _letters(text, options_count)
        if isinstance(letters, Invalid):
            return letters
        if len(letters) > 1:
            return Invalid(SINGLE_MULTIPLE_KEYS, f"单选题只能有一个答案，却给了 {''.join(letters)}；多个答案请把题型改为多选")
        return letters[0]

    def check(self, canonical: Any, choice: Any) -> bool:
        """True when the chosen letter is the key."""
        return isinstance(choice, str) and choice.strip().upper() == canonical


class MultipleChoice:
    """多选: two or more letters, scored all or nothing."""

    name: ClassVar[str] = "multiple"
    label: ClassVar[str] = "多选"
    has_options: ClassVar[bool] = True
    reads_blanks: ClassVar[bool] = False

    def parse_answer(self, text: str, options_count: int, stem: str) -> list[str] | Invalid:
        """Parse an answer cell into sorted distinct letters, e.g. ["A", "B", "D"]."""
        letters = _letters(text, options_count)
        if isinstance(letters, Invalid):
            return letters
        if len(letters) < 2:
            return Invalid(MULTIPLE_ONE_KEY, f"多选题至少要有两个答案，只给了 {letters[0]}；只有一个答案请把题型改为单选")
        return letters

    def check(self, canonical: Any, choice: Any) -> bool:
        """True when exactly the key letters are chosen (all or nothing)."""
        if isinstance(choice, str):
            choice = list(choice)
        if not isinstance(choice, list | tuple) or not all(isinstance(c, str) for c in choice):
            return False
        return sorted({c.strip().upper() for c in choice}) == list(canonical)


class Judge:
    """判断: true or false."""

    name: ClassVar[str] = "judge"
    label: ClassVar[str] = "判断"
    has_options: ClassVar[bool] = False
    reads_blanks: ClassVar[bool] = False

    def parse_answer(self, text: str, options_count: int, stem: str) -> bool | Invalid:
        """Parse 对/错, 正确/错误, √/×, ✓/✗, 是/否, T/F, true/false, 1/0 into a bool."""
        key = match_key(text).casefold().replace(" ", "")
        if not key:
            return Invalid(ANSWER_EMPTY, "答案为空")
        if key not in _JUDGE:
            return Invalid(JUDGE_INVALID, f"判断题答案「{text}」无法识别；请填写 对/错、正确/错误、√/×、是/否、T/F 或 1/0")
        return _JUDGE[key]

    def check(self, canonical: Any, choice: Any) -> bool:
        """True when the chosen truth value is the key."""
        return isinstance(choice, bool) and choice is canonical


class Fill:
    """填空: one or more blanks, each with accepted alternatives."""

    name: ClassVar[str] = "fill"
    label: ClassVar[str] = "填空"
    has_options: ClassVar[bool] = False
    reads_blanks: ClassVar[bool] = True

    def parse_answer(self, text: str, options_count: int, stem: str) -> list[list[str]] | Invalid:
        """Parse "北京;北京市|上海" into [["北京", "北京市"], ["上海"]], checked against the stem's blanks."""
        cleaned = match_key(text)
        if not cleaned:
            return Invalid(ANSWER_EMPTY, "答案为空")
        # Split on the NFKC form (full-width ｜ and ； included) but keep each alternative's own text.
        blanks = [[alt.strip() for alt in re.split(r"[;；]", part) if alt.strip()]
                  for part in re.split(r"[|｜]", text.strip())]
        if any(not b for b in blanks):
            return Invalid(ANSWER_EMPTY, f"答案「{text}」中有空的填空答案；用 | 分隔各空，用 ; 分隔同一空的多个可接受答案")
        expected = count_blanks(stem)
        if len(blanks) != max(expected, 1):
            return Invalid(BLANK_COUNT_MISMATCH, f"题干有 {expected} 个空（__ 或（ ）），答案却有 {len(blanks)} 个空（用 | 分隔）")
        return blanks

    def check(self, canonical: Any, choice: Any) -> bool:
        """True when every blank's answer matches one of its alternatives on the normalized key."""
        if isinstance(choice, str):
            choice = [choice]
        if not isinstance(choice, list | tuple) or len(choice) != len(canonical):
            return False
        return all(isinstance(given, str) and answer_key(given) in {answer_key(a) for a in accepted}
                   for given, accepted in zip(choice, canonical, strict=True))


QUESTION_TYPES: dict[str, QuestionType] = {
    t.name: t for t in (SingleChoice(), MultipleChoice(), Judge(), Fill())
}

_TYPE_SPELLINGS = {
    "single": ("单选", "单选题", "单项选择", "单项选择题", "single", "singlechoice", "radio"),
    "multiple": ("多选", "多选题", "多项选择", "多项选择题", "multiple", "multiplechoice", "multi", "checkbox"),
    "judge": ("判断", "判断题", "是非题", "judge", "truefalse", "true/false", "tf"),
    "fill": ("填空", "填空题", "fill", "blank", "fillblank", "fillintheblank"),
}
TYPE_ALIASES = {spelling: name for name, spellings in _TYPE_SPELLINGS.items() for spelling in spellings}


@lru_cache(maxsize=256)  # a sheet spells its types a handful of ways, on every row
def parse_type(text: str) -> str | None:
    """Type name for a 题型 cell (单选/多选/判断/填空 or English), None when unknown."""
    key = re.sub(r"[\s_-]+", "", match_key(text).casefold())
    return TYPE_ALIASES.get(key)


def parse_answer(type_name: str, text: str, options_count: int, stem: str) -> Any:
    """``QUESTION_TYPES[type_name].parse_answer``, cached: a fresh canonical answer (or Invalid) per call."""
    # Only the stem's blank count matters (fill), and only the option count for letter types: keying on
    # those instead of the stem lets the 10,000 rows of a sheet share a few hundred distinct parses.
    qtype = QUESTION_TYPES[type_name]
    return _fresh(_parse_cached(type_name, text, options_count if qtype.has_options else 0,
                                count_blanks(stem) if qtype.reads_blanks else 0))


@lru_cache(maxsize=4096)
def _parse_cached(type_name: str, text: str, options_count: int, blanks: int) -> Any:
    stem = " ".join(["__"] * blanks)  # a stem with exactly ``blanks`` blanks: all Fill.parse_answer reads of one
    answer = QUESTION_TYPES[type_name].parse_answer(text, options_count, stem)
    return tuple(tuple(a) if isinstance(a, list) else a for a in answer) if isinstance(answer, list) else answer


def _fresh(answer: Any) -> Any:
    """A caller's own lists from a cached tuple answer (letters, or blanks of alternatives)."""
    return [list(a) if isinstance(a, tuple) else a for a in answer] if isinstance(answer, tuple) else answer


def check_answer(type_name: str, canonical: Any, choice: Any) -> bool:
    """True when ``choice`` (letter, letters, bool or blank strings) is correct for the canonical answer."""
    return QUESTION_TYPES[type_name].check(canonical, choice)
