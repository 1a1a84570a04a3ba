"""Question banks as people keep them: a messy workbook built here with every case the
issue names, read with exact errors; nothing enters the bank while any row fails."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from xianfeng.study import bank
from xianfeng.study.bank import read_bank, split_options
from xianfeng.study.models import Question, QuestionImport

SHEET1_ERRORS = [
    {
        "sheet": "单选多选",
        "row": 7,
        "column": "正确答案",
        "message": "答案“E”超出了选项范围：本题只有 A–D 4 个选项",
    },
    {"sheet": "单选多选", "row": 8, "column": "正确答案", "message": "请填写答案"},
    {
        "sheet": "单选多选",
        "row": 9,
        "column": "题干（必填）",
        "message": "与工作表“单选多选”第 4 行是同一道题",
    },
    {
        "sheet": "单选多选",
        "row": 10,
        "column": "正确答案",
        "message": "单选题只能有一个答案，这里填了“AB”",
    },
]
SHEET2_ERRORS = [
    {
        "sheet": "判断填空",
        "row": 8,
        "column": "答案",
        "message": "判断题的答案应为“对”或“错”（也可写 √/×、正确/错误、T/F），不是“也许”",
    },
    {
        "sheet": "判断填空",
        "row": 9,
        "column": "类型",
        "message": "看不懂的题型“问答题”，可填：单选题、多选题、判断题、填空题",
    },
]


def messy_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "单选多选"
    ws.append(["2026年度党员学习教育题库（选择题）"])
    ws.merge_cells("A1:J1")
    ws.append(["说明：答案填选项字母；多选题答案之间可用顿号隔开"])
    ws.append(
        [
            "序号",
            "题型",
            "题干（必填）",
            "选项A",
            "选项 B",
            "选项C",
            "选项D",
            "正确答案",
            "解析",
            "难度",
        ]
    )
    ws.append(
        [
            1,
            "单选题",
            "中国共产党的根本宗旨是什么？",
            "全心全意为人民服务",
            "实现共产主义",
            "发展生产力",
            "依法治国",
            "Ａ",  # full-width
            "见党章总纲",
            "易",
        ]
    )
    ws.append(
        [
            2,
            "多选",
            "“三会一课”包括（  ）。",
            "支部党员大会",
            "支部委员会",
            "党小组会",
            "按时上好党课",
            "A、B、C、D",
            None,
            "中",
        ]
    )
    ws.append(
        [
            3,
            "多选题",
            "党的纪律包括哪些？",
            "政治纪律",
            "组织纪律",
            "廉洁纪律",
            None,
            "a,b,c",
            None,
            None,
        ]
    )
    ws.append([4, "单选题", "下列哪一项是正确的？", "甲", "乙", "丙", "丁", "E", None, None])
    ws.append([5, "单选题", "党员的权利有哪些？", "甲", "乙", None, None, None, None, None])
    ws.append(
        [
            6,
            "单选题",
            "中国共产党的 根本宗旨 是什么?",
            "全心全意为人民服务",
            "实现共产主义",
            "发展生产力",
            "依法治国",
            "A",
            None,
            None,
        ]
    )
    ws.append([7, "单选题", "党支部是党的基础组织吗？", "是", "不是", None, None, "AB", None, None])
    ws.append([None] * 10)
    ws.append(["合计：7 题"])
    ws.merge_cells("A12:J12")
    ws.append(["制表人：王秀兰      审核：李文博"])

    ws2 = wb.create_sheet("判断填空")
    ws2.append(["判断题与填空题"])
    ws2.merge_cells("A1:F1")
    ws2.append(["题目", "类型", "选项", "答案", "答案解析", "知识点"])
    ws2.append(["党员应当按期交纳党费。", "判断", None, "√", "党章第四条", "党章、党费"])
    ws2.append(["预备党员的预备期为两年。", "判断题", None, "错误", "预备期为一年", None])
    ws2.append(["党员有权参加党的有关会议。", "判断", None, "T", None, None])
    ws2.append(
        [
            "我国的根本政治制度是（  ）。",
            "单选题",
            "A.人民代表大会制度 B．中国共产党领导的多党合作和政治协商制度 C、民族区域自治制度",
            "a",
            None,
            None,
        ]
    )
    ws2.append(
        [
            "党的最高领导机关，是党的全国代表大会和它所产生的（  ）。",
            "填空题",
            None,
            "中央委员会｜中共中央；党中央",
            None,
            "党章",
        ]
    )
    ws2.append(["党员可以不参加组织生活。", "判断", None, "也许", None, None])
    ws2.append(["谈谈你对新时代党建的理解。", "问答题", None, "略", None, None])
    ws2.append(["说明：本题库由县委组织部编制，仅供学习使用"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_the_messy_workbook_reads_with_exact_questions_and_errors():
    parsed = read_bank(io.BytesIO(messy_workbook()))
    assert parsed.errors == SHEET1_ERRORS + SHEET2_ERRORS
    got = [(q.sheet, q.row, q.kind, q.options, q.answer) for q in parsed.questions]
    assert got == [
        (
            "单选多选",
            4,
            "single",
            ["全心全意为人民服务", "实现共产主义", "发展生产力", "依法治国"],
            ["A"],
        ),
        (
            "单选多选",
            5,
            "multiple",
            ["支部党员大会", "支部委员会", "党小组会", "按时上好党课"],
            ["A", "B", "C", "D"],
        ),
        ("单选多选", 6, "multiple", ["政治纪律", "组织纪律", "廉洁纪律"], ["A", "B", "C"]),
        ("判断填空", 3, "judge", [], ["T"]),
        ("判断填空", 4, "judge", [], ["F"]),
        ("判断填空", 5, "judge", [], ["T"]),
        (
            "判断填空",
            6,
            "single",
            ["人民代表大会制度", "中国共产党领导的多党合作和政治协商制度", "民族区域自治制度"],
            ["A"],
        ),
        ("判断填空", 7, "blank", [], ["中央委员会", "中共中央", "党中央"]),
    ]
    first = parsed.questions[0]
    assert (first.explanation, first.difficulty) == ("见党章总纲", 1)
    assert parsed.questions[3].tags == ["党章", "党费"]


@pytest.fixture
def workbook_file(tmp_path) -> Path:
    path = tmp_path / "题库.xlsx"
    path.write_bytes(messy_workbook())
    return path


@pytest.mark.django_db
def test_the_command_lists_each_failed_row_and_writes_nothing(county, workbook_file, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_questions", str(workbook_file), "--org", "C")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "工作表“单选多选”第 7 行，“正确答案”列：答案“E”超出了选项范围：本题只有 A–D 4 个选项",
        "工作表“单选多选”第 8 行，“正确答案”列：请填写答案",
        "工作表“单选多选”第 9 行，“题干（必填）”列：与工作表“单选多选”第 4 行是同一道题",
        "工作表“单选多选”第 10 行，“正确答案”列：单选题只能有一个答案，这里填了“AB”",
        "工作表“判断填空”第 8 行，“答案”列："
        "判断题的答案应为“对”或“错”（也可写 √/×、正确/错误、T/F），不是“也许”",
        "工作表“判断填空”第 9 行，“类型”列："
        "看不懂的题型“问答题”，可填：单选题、多选题、判断题、填空题",
        "共 14 道题：8 道正确，6 行有错误；未导入任何题目"
        "（改正后重新导入，或加 --skip-invalid 只导入正确的行）",
    ]
    assert Question.objects.count() == 0
    assert QuestionImport.objects.get().state == "preview"


@pytest.mark.django_db
def test_skip_invalid_imports_the_valid_rows_and_still_fails(county, workbook_file, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_questions", str(workbook_file), "--org", "C", "--skip-invalid")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 7
    assert err[-1] == "已导入 8 道题到“青山县委”题库；6 行有错误，未导入"
    assert Question.objects.filter(org=county.county).count() == 8
    blank = Question.objects.get(kind="blank")
    assert blank.answer == ["中央委员会", "中共中央", "党中央"]


@pytest.mark.django_db
def test_a_clean_workbook_imports_and_the_same_file_again_is_flagged(county, tmp_path, capsys):
    wb = Workbook()
    ws = wb.active
    ws.append(["题干", "答案", "A", "B"])
    ws.append(["党的性质是什么？", "A", "工人阶级的先锋队", "农民的组织"])
    ws.append(["入党要经过预备期。", "对", None, None])
    path = tmp_path / "clean.xlsx"
    wb.save(path)
    call_command("import_questions", str(path), "--org", "A1")
    assert capsys.readouterr().out.strip() == "已导入 2 道题到“东街社区党支部”题库"
    assert sorted(Question.objects.values_list("kind", flat=True)) == ["judge", "single"]
    with pytest.raises(SystemExit):
        call_command("import_questions", str(path), "--org", "A1")
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "工作表“Sheet”第 2 行，“题干”列：题库中已有这道题"
    assert Question.objects.count() == 2


@pytest.mark.django_db
def test_export_writes_what_import_reads(county, workbook_file, tmp_path):
    with pytest.raises(SystemExit):
        call_command("import_questions", str(workbook_file), "--org", "C", "--skip-invalid")
    original = list(Question.objects.order_by("pk"))
    content = bank.bank_workbook(original, title="青山县委题库").to_bytes()
    again = read_bank(io.BytesIO(content))
    assert again.errors == []
    assert [
        (q.kind, q.stem, q.options, q.answer, q.explanation, q.difficulty, q.tags)
        for q in again.questions
    ] == [
        (q.kind, q.stem, q.options, q.answer, q.explanation, q.difficulty, q.tags) for q in original
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "这是旧版 Excel（.xls）文件"),
        (b"hello, not a workbook", "文件不是 Excel 工作簿（.xlsx）"),
        (b"PK\x03\x04broken", "文件已损坏"),
    ],
)
def test_unreadable_files_are_refused_in_chinese(county, tmp_path, content, message):
    from django.core.management.base import CommandError

    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_questions", str(path), "--org", "C")
    assert QuestionImport.objects.count() == 0


@pytest.mark.django_db
def test_a_sheet_without_a_header_is_refused(county, tmp_path):
    from django.core.management.base import CommandError

    wb = Workbook()
    wb.active.append(["姓名", "电话"])
    path = tmp_path / "x.xlsx"
    wb.save(path)
    with pytest.raises(CommandError, match="没有找到表头"):
        call_command("import_questions", str(path), "--org", "C")


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("A.党的领导 B.人民当家作主 C.依法治国", ["党的领导", "人民当家作主", "依法治国"]),
        ("A、甲；B、乙；C、丙；D、丁", ["甲", "乙", "丙", "丁"]),
        ("（A）一年（B）两年", ["一年", "两年"]),
        ("Ａ．ABC 原则 Ｂ．其他", ["ABC 原则", "其他"]),
        ("A:对 B:错", ["对", "错"]),
        ("没有字母的选项", []),
    ],
)
def test_options_in_one_cell(text, options):
    assert split_options(text) == options


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("ABD", ["A", "B", "D"]),
        ("A、B、D", ["A", "B", "D"]),
        ("a,b,d", ["A", "B", "D"]),
        ("ＤＢＡ", ["A", "B", "D"]),
        ("A B D", ["A", "B", "D"]),
    ],
)
def test_multiple_choice_answers(text, answer):
    assert bank.read_choice_answer(text, "multiple", 4) == answer


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("对", ["T"]),
        ("错", ["F"]),
        ("√", ["T"]),
        ("×", ["F"]),
        ("正确", ["T"]),
        ("错误", ["F"]),
        ("T", ["T"]),
        ("f", ["F"]),
        ("Ｔ", ["T"]),
    ],
)
def test_judge_answers(text, answer):
    assert bank.read_judge_answer(text) == answer


@pytest.mark.parametrize(
    ("text", "answers"),
    [
        ("中央委员会|中共中央", ["中央委员会", "中共中央"]),
        ("一年；1年;壹年", ["一年", "1年", "壹年"]),
        ("为人民服务 / 为民", ["为人民服务", "为民"]),
        ("民主集中制", ["民主集中制"]),
    ],
)
def test_blank_answers(text, answers):
    assert bank.read_blank_answer(text) == answers
