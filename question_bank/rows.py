"""One sheet row → a validated question draft or the row's problems (plain Python, no database)."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from question_bank.tabular import Field, Problem, Row
from question_bank.tabular import match_key as _uncached_match_key
from question_bank.types import ANSWER_EMPTY, LETTERS, QUESTION_TYPES, Invalid, parse_answer, parse_type

TYPE_INVALID = "TYPE_INVALID"
STEM_EMPTY = "STEM_EMPTY"
TOO_LONG = "TOO_LONG"
OPTIONS_TOO_FEW = "OPTIONS_TOO_FEW"
OPTION_GAP = "OPTION_GAP"
OPTION_DUPLICATE = "OPTION_DUPLICATE"
DIFFICULTY_INVALID = "DIFFICULTY_INVALID"
NUMERIC_COERCED = "NUMERIC_COERCED"

MAX_STEM, MAX_OPTION, MAX_EXPLANATION, MAX_NAME, MAX_SOURCE, MAX_EXTERNAL_ID = 2000, 500, 5000, 100, 200, 64
DEFAULT_DIFFICULTY = 3
DIFFICULTY_WORDS = {"易": 1, "容易": 1, "简单": 1, "较易": 2, "中等": 3, "中": 3, "一般": 3, "较难": 4,
                    "难": 5, "困难": 5, "easy": 1, "medium": 3, "hard": 5}

FIELDS = [
    Field("type", ("题型", "类型", "type", "questiontype", "question type"), required=True),
    Field("stem", ("题干", "题目", "stem", "question"), required=True),
    Field("option", ("选项", "option", "opt"), prefix=True),
    Field("answer", ("答案", "正确答案", "answer", "key"), required=True),
    Field("explanation", ("解析", "答案解析", "explanation", "analysis")),
    Field("difficulty", ("难度", "difficulty", "level")),
    Field("category", ("分类", "类别", "category")),
    Field("tags", ("知识点", "标签", "知识点/标签", "tags", "tag", "knowledge point")),
    Field("source", ("来源", "出处", "source")),
    Field("external_id", ("外部ID", "外部编号", "external id", "externalid", "external_id")),
]
# match_key is pure and a row asks for the same keys several times (the stem three times, each option twice,
# the same category and difficulty on most rows): a small cache halves its cost on a 10,000-row file.
match_key = lru_cache(maxsize=8192)(_uncached_match_key)
_TAG_SPLIT = re.compile(r"[,，、;；|｜\n]+")
_CATEGORY_SPLIT = re.compile(r"[/／\\]+")


@dataclass
class Draft:
    """A valid row: the question content as it will be stored, plus its keys for duplicate detection."""

    row: int
    type: str
    stem: str
    options: list[str]
    answer: Any
    explanation: str | None
    difficulty: int
    category: tuple[str, ...]
    tags: list[str]
    source: str | None
    external_id: str | None
    content_hash: str = ""
    near_key: str = ""
    warnings: list[Problem] = field(default_factory=list)
    source_row: Row | None = field(default=None, repr=False, compare=False)

    def version_key(self) -> str:
        """Hash of every stored field: equal keys mean an update would change nothing."""
        return version_key(self.type, self.stem, self.options, self.answer, self.explanation, self.difficulty,
                           self.category, self.tags, self.source)


# json.dumps(value, ensure_ascii=False, sort_keys=True) builds this encoder anew on every call (two thirds
# of hashing 10,000 rows); one shared encoder gives the same text, so the stored hashes do not change.
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _sha(value: Any) -> str:
    return hashlib.sha256(_JSON.encode(value).encode()).hexdigest()


def content_hash(type_name: str, stem: str, options: list[str], answer: Any) -> str:
    """Normalized content hash: type + match_key(stem) + options + answer (same content, same hash)."""
    if type_name == "fill":
        answer = [[match_key(alt) for alt in blank] for blank in answer]
    return _sha([type_name, match_key(stem), [match_key(o) for o in options], answer])


def version_key(type_name: str, stem: str, options: list[str], answer: Any, explanation: str | None,
                difficulty: int, category: tuple[str, ...], tags: list[str], source: str | None) -> str:
    """Hash of all stored fields of a version (category as its path of names)."""
    return _sha([type_name, stem, options, answer, explanation or "", difficulty, [match_key(c) for c in category],
                 tags, source or ""])


class _LooseChars(dict):
    """A str.translate table, filled on first sight of each character: drop whitespace, punctuation, separators,
    control and format characters, keep the rest (a per-character generator was ⅓ of parsing 10,000 rows)."""

    def __missing__(self, code: int) -> int | None:
        char = chr(code)
        value = None if char.isspace() or unicodedata.category(char)[0] in "PZC" else code
        self[code] = value
        return value


_LOOSE = _LooseChars()


@lru_cache(maxsize=8192)  # options repeat across rows (对/错, 以上都是…); each is asked for its key
def near_key(stem: str) -> str:
    """A loose stem key for near-duplicate warnings: case, whitespace and punctuation ignored."""
    return match_key(stem).casefold().translate(_LOOSE)


def option_columns(columns: dict[str, int]) -> dict[str, str]:
    """Map option letter → field name for the option columns found (选项A…H or 选项1…8)."""
    found: dict[str, str] = {}
    for name in columns:
        suffix = name.removeprefix("option_") if name.startswith("option_") else None
        if suffix is None:
            continue
        letter = LETTERS[int(suffix) - 1] if suffix.isdigit() and 1 <= int(suffix) <= len(LETTERS) else suffix
        if letter in LETTERS:
            found.setdefault(letter, name)
    return dict(sorted(found.items()))


def _too_long(row: Row, name: str, text: str, limit: int, what: str, problems: list[Problem]) -> None:
    if len(text) > limit:
        problems.append(row.problem(TOO_LONG, name, f"{what}有 {len(text)} 个字，超过上限 {limit} 个字", text[:50]))


def _options(row: Row, letters: dict[str, str], needed: bool, problems: list[Problem]) -> list[str]:
    cells = row.cells  # Row.get without a method call per letter: 8 letters on every row
    values = {letter: cells.get(letters[letter], "") if letter in letters else "" for letter in LETTERS}
    last = max((i for i, letter in enumerate(LETTERS) if values[letter]), default=-1)
    if not needed:
        return []
    used = LETTERS[:last + 1]
    seen: dict[str, str] = {}
    for letter in used:
        name, value = letters.get(letter, f"选项{letter}"), values[letter]
        if not value:
            problems.append(row.problem(OPTION_GAP, name, f"选项{letter}为空，但后面还有选项；选项必须从 A 开始连续填写"))
            continue
        _too_long(row, name, value, MAX_OPTION, f"选项{letter}", problems)
        key = near_key(value) or match_key(value)
        if key in seen:
            problems.append(row.problem(OPTION_DUPLICATE, name, f"选项{letter}与选项{seen[key]}内容相同", value))
        seen.setdefault(key, letter)
    if sum(map(bool, values.values())) < 2:
        problems.append(row.problem(OPTIONS_TOO_FEW, letters.get("A", "选项A"),
                                    f"选择题至少需要 2 个选项（选项A、选项B），现有 {sum(map(bool, values.values()))} 个"))
    return [values[letter] for letter in used]


def _difficulty(row: Row, warnings: list[Problem], problems: list[Problem]) -> int:
    text = row.get("difficulty")
    key = match_key(text).casefold().replace(" ", "")
    if not key:
        return DEFAULT_DIFFICULTY
    if key in DIFFICULTY_WORDS:
        return DIFFICULTY_WORDS[key]
    if re.fullmatch(r"[1-5](\.0+)?", key):
        if text != key[0]:  # "3.0" from a text cell, or a full-width digit: read as the whole number
            warnings.append(row.problem(NUMERIC_COERCED, "difficulty", f"难度「{text}」按 {key[0]} 处理", text,
                                        "warning"))
        return int(key[0])
    problems.append(row.problem(DIFFICULTY_INVALID, "difficulty", f"难度「{text}」无效；请填写 1–5 或 易/较易/中等/较难/难",
                                text))
    return DEFAULT_DIFFICULTY


def parse_row(row: Row, letters: dict[str, str]) -> tuple[Draft | None, list[Problem]]:
    """Validate one row: a Draft when it has no error, and every problem found (errors and warnings)."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    type_text = row.get("type")
    type_name = parse_type(type_text)
    if type_name is None:
        problems.append(row.problem(TYPE_INVALID, "type", f"题型「{type_text}」无效；请填写 单选/多选/判断/填空" if type_text
                                    else "题型为空；请填写 单选/多选/判断/填空", type_text or None))
    stem = row.get("stem")
    if not match_key(stem):
        problems.append(row.problem(STEM_EMPTY, "stem", "题干为空"))
    _too_long(row, "stem", stem, MAX_STEM, "题干", problems)
    qtype = QUESTION_TYPES.get(type_name or "")
    options = _options(row, letters, bool(qtype and qtype.has_options), problems)
    answer: Any = None
    if qtype is not None and not problems:
        answer = parse_answer(qtype.name, row.get("answer"), len(options), stem)
        if isinstance(answer, Invalid):
            problems.append(row.problem(answer.code, "answer", answer.message, row.get("answer") or None))
    elif qtype is not None and not match_key(row.get("answer")):
        problems.append(row.problem(ANSWER_EMPTY, "answer", "答案为空"))
    explanation = row.get("explanation")
    _too_long(row, "explanation", explanation, MAX_EXPLANATION, "解析", problems)
    difficulty = _difficulty(row, warnings, problems)
    category = tuple(part.strip() for part in _CATEGORY_SPLIT.split(row.get("category")) if match_key(part))
    for part in category:
        _too_long(row, "category", part, MAX_NAME, "分类名称", problems)
    tags = list(dict.fromkeys(t.strip() for t in _TAG_SPLIT.split(row.get("tags")) if match_key(t)))
    source, external_id = row.get("source"), match_key(row.get("external_id"))
    _too_long(row, "source", source, MAX_SOURCE, "来源", problems)
    _too_long(row, "external_id", external_id, MAX_EXTERNAL_ID, "外部ID", problems)
    if problems or type_name is None:
        return None, problems + warnings
    draft = Draft(row.number, type_name, stem, options, answer, explanation or None, difficulty, category, tags,
                  source or None, external_id or None, content_hash(type_name, stem, options, answer), near_key(stem),
                  warnings, row)
    return draft, warnings
