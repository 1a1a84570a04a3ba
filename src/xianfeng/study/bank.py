"""Reading question banks as people actually keep them in Excel, and writing them back.

A bank workbook has one or more sheets; each may start with a title row (often merged
across the columns) and a note or two above the header, then one question per row, then
footer rows (合计、制表人、说明). Headers vary (题干/题目/试题内容, 答案/正确答案/参考答案);
options sit in columns A–F ("A", "选项A", "选项 A") or together in one cell
("A.党的领导 B.人民当家作主 C.依法治国"); answers are written "ABD", "A、B、D", "a,b,d",
"对/错", "√/×", "正确/错误", "T/F"; a 填空's accepted answers are separated by ｜ | ； ; or /.
Full-width letters and punctuation are read as their half-width forms (NFKC).

`read_bank(file)` returns the questions it could read and one error per bad row (sheet,
row, column and a Chinese message); it writes nothing. `bank_workbook(questions)` writes
the same layout, so an export can be imported again.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook

from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text
from xianfeng.common.xlsx import XlsxWriter
from xianfeng.study.enums import Difficulty, QuestionKind

LETTERS = "ABCDEF"
MAX_ROWS = 5000
HEADER_SCAN_ROWS = 10
MAX_FILE_BYTES = 10 * 1024 * 1024

COLUMNS: dict[str, tuple[str, ...]] = {
    "kind": ("题型", "题目类型", "试题类型", "类型", "题类"),
    "stem": ("题干", "题目", "试题", "题目内容", "试题内容", "问题", "题目名称"),
    "options": ("选项", "备选项", "选项内容"),
    "answer": ("答案", "正确答案", "参考答案", "标准答案"),
    "explanation": ("解析", "答案解析", "试题解析", "题目解析"),
    "difficulty": ("难度", "难易程度", "难易度"),
    "tags": ("标签", "知识点", "分类", "所属分类"),
    "source": ("来源", "出处", "试题来源"),
}
LABELS = {name: aliases[0] for name, aliases in COLUMNS.items()}
ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
for _letter in LETTERS:
    ALIASES[_letter] = f"option_{_letter}"
    ALIASES[f"选项{_letter}"] = f"option_{_letter}"
    ALIASES[f"{_letter}选项"] = f"option_{_letter}"

KINDS = {
    "单选": QuestionKind.SINGLE,
    "单选题": QuestionKind.SINGLE,
    "单项选择": QuestionKind.SINGLE,
    "单项选择题": QuestionKind.SINGLE,
    "多选": QuestionKind.MULTIPLE,
    "多选题": QuestionKind.MULTIPLE,
    "多项选择": QuestionKind.MULTIPLE,
    "多项选择题": QuestionKind.MULTIPLE,
    "不定项选择题": QuestionKind.MULTIPLE,
    "判断": QuestionKind.JUDGE,
    "判断题": QuestionKind.JUDGE,
    "是非题": QuestionKind.JUDGE,
    "填空": QuestionKind.BLANK,
    "填空题": QuestionKind.BLANK,
}
TRUE_WORDS = {"对", "√", "✓", "✔", "正确", "T", "TRUE", "Y", "是", "1"}
FALSE_WORDS = {"错", "×", "✗", "✘", "X", "错误", "F", "FALSE", "N", "否", "0"}
DIFFICULTIES = {
    "易": Difficulty.EASY,
    "简单": Difficulty.EASY,
    "容易": Difficulty.EASY,
    "1": Difficulty.EASY,
    "中": Difficulty.MEDIUM,
    "中等": Difficulty.MEDIUM,
    "一般": Difficulty.MEDIUM,
    "适中": Difficulty.MEDIUM,
    "2": Difficulty.MEDIUM,
    "难": Difficulty.HARD,
    "困难": Difficulty.HARD,
    "较难": Difficulty.HARD,
    "3": Difficulty.HARD,
}
FOOTER = re.compile(
    r"^(合计|共计|总计|小计|制表|填表|审核|说明|备注|注[:：]|注意|以上|本题库|题库说明)"
)
ANSWER_SEPARATORS = re.compile(r"[\s,，、;；/|｜和及]+")
BLANK_SEPARATORS = re.compile(r"[|｜;；/／]")
TAG_SEPARATORS = re.compile(r"[,，、;；\s]+")
NOT_IN_FINGERPRINT = re.compile(r"[\W_]+")


def normalize_header(value: object) -> str:
    """NFKC, no spaces, no “*”, no notes in brackets: “题干（必填）*” → “题干”."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = re.sub(r"[(（\[【].*?[)）\]】]", "", text)
    return re.sub(r"[\s*:：]", "", text).upper()


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "对" if value else "错"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(str(value)).strip()


def compact(text: str) -> str:
    """NFKC (full-width letters, digits and punctuation to half-width), no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def fingerprint(kind: str, stem: str) -> str:
    """The same question however it is spaced or punctuated."""
    key = NOT_IN_FINGERPRINT.sub("", unicodedata.normalize("NFKC", stem)).lower()
    return hashlib.sha256(f"{kind}:{key}".encode()).hexdigest()[:40]


def normalize_blank(text: str) -> str:
    """How a 填空 answer is compared: NFKC, no whitespace, case-insensitive."""
    return compact(text).casefold()


@dataclass
class ParsedQuestion:
    kind: str
    stem: str
    options: list[str]
    answer: list[str]
    explanation: str = ""
    difficulty: int = int(Difficulty.MEDIUM)
    tags: list[str] = field(default_factory=list)
    source: str = ""
    sheet: str = ""
    row: int = 0

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.kind, self.stem)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "stem": self.stem,
            "options": self.options,
            "answer": self.answer,
            "explanation": self.explanation,
            "difficulty": self.difficulty,
            "tags": self.tags,
            "source": self.source,
            "sheet": self.sheet,
            "row": self.row,
        }


@dataclass
class BankParse:
    questions: list[ParsedQuestion]
    errors: list[dict[str, Any]]  # {"sheet", "row", "column", "message"}
    sheets: list[str] = field(default_factory=list)  # titles of the sheets read, in order

    def sort_errors(self) -> None:
        order = {title: i for i, title in enumerate(self.sheets)}
        self.errors.sort(key=lambda e: (order.get(e["sheet"], len(order)), e["row"]))


class RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


# --- options and answers -------------------------------------------------------------------


def split_options(text: str) -> list[str]:
    """“A.党的领导 B.人民当家作主 C、依法治国” → the three options, in order. The markers
    must run A, B, C … so a letter inside an option is not taken for a marker."""
    text = unicodedata.normalize("NFKC", text)
    found: list[tuple[int, int]] = []
    pos = 0
    for letter in LETTERS:
        marker = re.compile(
            rf"(?:\({letter}\)|(?:^|(?<=[\s;,，；。])){letter}\s*[.、:：)])\s*", re.IGNORECASE
        )
        match = marker.search(text, pos)
        if match is None:
            break
        found.append((match.start(), match.end()))
        pos = match.end()
    if not found or (found[0][0] != 0 and text[: found[0][0]].strip()):
        return []
    options = []
    for i, (_, end) in enumerate(found):
        stop = found[i + 1][0] if i + 1 < len(found) else len(text)
        options.append(text[end:stop].strip(" ;；,，"))
    return options


def read_choice_answer(text: str, kind: str, n_options: int) -> list[str]:
    """“A、C” / “ac” / “Ａ，Ｃ” → ["A", "C"]; refuses what the options cannot hold."""
    raw = ANSWER_SEPARATORS.sub("", compact(text).upper())
    if not raw:
        raise RowError("answer", "请填写答案")
    if not re.fullmatch(r"[A-Z]+", raw):
        raise RowError("answer", f"看不懂的答案“{text}”，选择题的答案应为选项字母，如“A”或“ABD”")
    letters = sorted(set(raw))
    top = LETTERS[n_options - 1]
    beyond = [letter for letter in letters if letter not in LETTERS[:n_options]]
    if beyond:
        raise RowError(
            "answer",
            f"答案“{''.join(beyond)}”超出了选项范围：本题只有 A–{top} {n_options} 个选项",
        )
    if kind == QuestionKind.SINGLE and len(letters) > 1:
        raise RowError("answer", f"单选题只能有一个答案，这里填了“{''.join(letters)}”")
    if kind == QuestionKind.MULTIPLE and len(letters) < 2:
        raise RowError("answer", f"多选题至少应有两个正确答案，这里只有“{letters[0]}”")
    return letters


def read_judge_answer(text: str) -> list[str]:
    word = compact(text).upper()
    if word in TRUE_WORDS:
        return ["T"]
    if word in FALSE_WORDS:
        return ["F"]
    if not word:
        raise RowError("answer", "请填写答案")
    raise RowError(
        "answer", f"判断题的答案应为“对”或“错”（也可写 √/×、正确/错误、T/F），不是“{text}”"
    )


def read_blank_answer(text: str) -> list[str]:
    answers = []
    for part in BLANK_SEPARATORS.split(unicodedata.normalize("NFKC", text)):
        part = part.strip()
        if part and part not in answers:
            answers.append(part)
    if not answers:
        raise RowError("answer", "请填写答案")
    return answers


def is_judge_word(text: str) -> bool:
    word = compact(text).upper()
    return bool(word) and (word in TRUE_WORDS or word in FALSE_WORDS)


# --- rows and sheets -------------------------------------------------------------------------


@dataclass
class _Sheet:
    title: str
    columns: dict[str, int]
    headers: dict[str, str]


def _find_header(values: tuple[Any, ...]) -> tuple[dict[str, int], dict[str, str]]:
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, value in enumerate(values):
        if value is None:
            continue
        header = normalize_header(value)
        name = ALIASES.get(header)
        if name is not None and name not in columns:
            columns[name], headers[name] = index, str(value).strip()
    return columns, headers


def _read_row(sheet: _Sheet, row: int, values: tuple[Any, ...]) -> ParsedQuestion | None:
    def cell(name: str) -> str:
        index = sheet.columns.get(name)
        return cell_text(values[index]) if index is not None and index < len(values) else ""

    stem = cell("stem")
    kind_text, answer_text = cell("kind"), cell("answer")
    letter_options = [cell(f"option_{letter}") for letter in LETTERS]
    texts = [cell_text(v) for v in values if cell_text(v)]
    if not texts:
        return None  # a blank row
    if not kind_text and not answer_text and not any(letter_options) and not cell("options"):
        joined = "".join(texts)
        if FOOTER.match(compact(joined)) or (len(texts) == 1 and not stem):
            return None  # a footer: 合计、制表人、说明, or a lone number
    if not stem:
        raise RowError("stem", "请填写题干")
    # Options: columns A–F (stop at the first empty one), or one cell “A.… B.…”.
    options = []
    for text in letter_options:
        if not text:
            break
        options.append(text)
    if len([t for t in letter_options if t]) > len(options):
        raise RowError("option_A", "选项之间不能有空列：请把选项依次填在 A、B、C … 列")
    if not options and cell("options"):
        options = split_options(cell("options"))
        if not options:
            raise RowError("options", "看不懂选项，请写成“A.… B.… C.…”，或分别填在 A–F 列")
    kind_key = compact(kind_text)
    if kind_key:
        kind = KINDS.get(kind_key)
        if kind is None:
            raise RowError(
                "kind", f"看不懂的题型“{kind_text}”，可填：单选题、多选题、判断题、填空题"
            )
    elif options:
        raw = ANSWER_SEPARATORS.sub("", compact(answer_text).upper())
        kind = QuestionKind.MULTIPLE if len(set(raw)) > 1 else QuestionKind.SINGLE
    elif is_judge_word(answer_text):
        kind = QuestionKind.JUDGE
    else:
        kind = QuestionKind.BLANK
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if len(options) < 2:
            raise RowError("options", "选择题至少需要两个选项")
        answer = read_choice_answer(answer_text, kind, len(options))
    elif kind == QuestionKind.JUDGE:
        options = []
        answer = read_judge_answer(answer_text)
    else:
        options = []
        answer = read_blank_answer(answer_text)
    difficulty_text = compact(cell("difficulty"))
    difficulty = int(Difficulty.MEDIUM)
    if difficulty_text:
        found = DIFFICULTIES.get(difficulty_text)
        if found is None:
            raise RowError("difficulty", f"难度应填“易”“中”或“难”，不是“{cell('difficulty')}”")
        difficulty = int(found)
    if len(stem) > 2000:
        raise RowError("stem", "题干过长（最多 2000 个字）")
    if any(len(o) > 500 for o in options):
        raise RowError("options", "选项过长（每个最多 500 个字）")
    tags = [t for t in TAG_SEPARATORS.split(cell("tags")) if t][:10]
    return ParsedQuestion(
        kind=kind,
        stem=stem,
        options=options,
        answer=answer,
        explanation=cell("explanation"),
        difficulty=difficulty,
        tags=[t[:20] for t in tags],
        source=cell("source")[:200],
        sheet=sheet.title,
        row=row,
    )


def _open(file: Any) -> Any:
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise Refused(
            "这是旧版 Excel（.xls）文件，请在 Excel 或 WPS 中另存为 .xlsx 后再上传", field="file"
        )
    if not head.startswith(b"PK"):
        raise Refused("文件不是 Excel 工作簿（.xlsx），请检查后重新上传", field="file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_workbook(file, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # a damaged zip: openpyxl raises many kinds
        raise Refused("文件已损坏，无法读取，请检查后重新上传", field="file") from exc


def _rows(ws: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    ws.reset_dimensions()
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS + HEADER_SCAN_ROWS + 1000:
            raise Refused(
                f"工作表“{ws.title}”的行数过多（超过 {MAX_ROWS} 道题），请分成几个文件上传",
                field="file",
            )
        yield number, values


def column_label(sheet: _Sheet, name: str) -> str:
    if name in sheet.headers:
        return sheet.headers[name]
    if name.startswith("option_"):
        return f"选项{name[-1]}"
    return LABELS.get(name, name)


def read_bank(file: Any) -> BankParse:
    """Every question the workbook holds, and every row that cannot be one (with sheet,
    row, column and the reason). Duplicates inside the file are errors on the later row."""
    book = _open(file)
    questions: list[ParsedQuestion] = []
    errors: list[dict[str, Any]] = []
    sheets: list[str] = []
    seen: dict[str, ParsedQuestion] = {}
    for ws in book.worksheets:
        sheet: _Sheet | None = None
        for number, values in _rows(ws):
            if sheet is None:
                if number > HEADER_SCAN_ROWS:
                    break
                columns, headers = _find_header(values)
                if "stem" in columns and "answer" in columns:
                    sheet = _Sheet(title=ws.title, columns=columns, headers=headers)
                    sheets.append(ws.title)
                continue
            try:
                parsed = _read_row(sheet, number, values)
            except RowError as exc:
                errors.append(
                    {
                        "sheet": sheet.title,
                        "row": number,
                        "column": column_label(sheet, exc.column),
                        "message": exc.message,
                    }
                )
                continue
            if parsed is None:
                continue
            first = seen.get(parsed.fingerprint)
            if first is not None:
                errors.append(
                    {
                        "sheet": sheet.title,
                        "row": number,
                        "column": column_label(sheet, "stem"),
                        "message": f"与工作表“{first.sheet}”第 {first.row} 行是同一道题",
                    }
                )
                continue
            seen[parsed.fingerprint] = parsed
            questions.append(parsed)
            if len(questions) > MAX_ROWS:
                raise Refused(f"一次最多导入 {MAX_ROWS} 道题，请分成几个文件上传", field="file")
    book.close()
    if not sheets:
        raise Refused(
            "没有找到表头：请在前 10 行内放一行表头，至少包含“题干”和“答案”两列", field="file"
        )
    return BankParse(questions=questions, errors=errors, sheets=sheets)


def format_error(error: dict[str, Any]) -> str:
    where = f"工作表“{error['sheet']}”第 {error['row']} 行"
    if error.get("column"):
        where += f"，“{error['column']}”列"
    return f"{where}：{error['message']}"


# --- writing -------------------------------------------------------------------------------

HEADER = [
    "题型",
    "题干",
    "选项A",
    "选项B",
    "选项C",
    "选项D",
    "选项E",
    "选项F",
    "答案",
    "解析",
    "难度",
    "标签",
    "来源",
]
KIND_WORDS = {
    QuestionKind.SINGLE: "单选题",
    QuestionKind.MULTIPLE: "多选题",
    QuestionKind.JUDGE: "判断题",
    QuestionKind.BLANK: "填空题",
}
DIFFICULTY_WORDS = {1: "易", 2: "中", 3: "难"}


def answer_text(kind: str, answer: list[str]) -> str:
    if kind == QuestionKind.JUDGE:
        return "对" if answer == ["T"] else "错"
    if kind == QuestionKind.BLANK:
        return "｜".join(answer)
    return "".join(answer)


def bank_workbook(questions: Iterable[Any], *, title: str = "题库") -> XlsxWriter:
    """The bank in the layout `read_bank` reads (one sheet, a title line, the header)."""
    book = XlsxWriter()
    sheet = book.sheet(
        "题库",
        HEADER,
        widths=[8, 40, 16, 16, 16, 16, 12, 12, 8, 30, 6, 16, 16],
        preamble=[title],
    )
    for q in questions:
        options = list(q.options) + [""] * (6 - len(q.options))
        sheet.append(
            [
                KIND_WORDS[q.kind],
                q.stem,
                *options[:6],
                answer_text(q.kind, list(q.answer)),
                q.explanation,
                DIFFICULTY_WORDS.get(q.difficulty, "中"),
                "、".join(q.tags),
                q.source,
            ]
        )
    return book
