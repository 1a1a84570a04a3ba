"""common.parse: the one place requests' numbers and JSON are read."""

from __future__ import annotations

import pytest

from xianfeng.common.errors import BadInput
from xianfeng.common.parse import (
    MAX_ID,
    check_year,
    int_param,
    json_object,
    loads_json,
    year_param,
)
from xianfeng.common.validation import validation_message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), ("", None), ("  ", None), ("7", 7), (" 42 ", 42), (str(MAX_ID), MAX_ID)],
)
def test_int_param_reads_ids(raw, expected):
    assert int_param(raw) == expected


@pytest.mark.parametrize(
    "raw", ["0", "-1", str(MAX_ID + 1), "9" * 5000, "²", "٣", "1.5", "1e3", "abc", "0x10"]
)
def test_int_param_refuses_what_is_not_an_id(raw):
    with pytest.raises(BadInput) as refused:
        int_param(raw, field="lesson")
    assert refused.value.message == f"编号应为 1 到 {MAX_ID} 之间的整数"
    assert refused.value.field == "lesson"


def test_year_param_and_check_year():
    assert year_param("", default=2026) == 2026
    assert year_param("2030", default=2026) == 2030
    assert check_year(2000) == 2000
    for bad in ("1999", "2101", "-1", "99999"):
        with pytest.raises(BadInput, match="年份应为 2000 到 2100 之间的整数"):
            year_param(bad, default=2026)
    with pytest.raises(BadInput):
        check_year(99999)


def test_loads_json_accepts_ordinary_bodies():
    raw = '{"a": [1, 2.5, "中文", null, true]}'.encode()
    assert loads_json(raw) == {"a": [1, 2.5, "中文", None, True]}
    assert json_object(b"") == {}
    assert loads_json("[" * 32 + "]" * 32) is not None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[" * 33 + "]" * 33, "请求中的 JSON 嵌套过深"),
        ("[" * 100_000 + "]" * 100_000, "请求中的 JSON 嵌套过深"),
        ('{"a": ' * 40 + "1" + "}" * 40, "请求中的 JSON 嵌套过深"),
        ("[1e400]", "请求中的数字超出范围"),
        ("[-1e400]", "请求中的数字超出范围"),
        ("[NaN]", "请求中不能有 NaN"),
        ("[Infinity]", "请求中不能有 Infinity"),
        ("{", "请求体不是合法的 JSON"),
        (b"\xff", "请求体不是合法的 JSON"),
    ],
)
def test_loads_json_refuses_with_chinese_messages(raw, message):
    with pytest.raises(BadInput) as refused:
        loads_json(raw)
    assert refused.value.message == message


def test_json_object_wants_an_object():
    with pytest.raises(BadInput, match="请求体应为 JSON 对象"):
        json_object(b"[1]")


def test_validation_message_is_chinese_with_the_field():
    errors = [
        {"type": "missing", "loc": ["body", "body", "topic"], "msg": "Field required"},
        {
            "type": "less_than_equal",
            "loc": ["body", "body", "attendee_ids", 3],
            "ctx": {"le": MAX_ID},
        },
        {"type": "int_parsing", "loc": ["path", "meeting_id"]},
        {"type": "string_too_long", "loc": ["query", "q"], "ctx": {"max_length": 50}},
    ]
    assert validation_message(errors) == (
        f"topic：缺少必填项；attendee_ids.3：应不大于 {MAX_ID}；meeting_id：应为整数（另有 1 处）",
        "topic",
    )
    assert validation_message([{"type": "model_type", "loc": ["body", "body"]}]) == (
        "请求体应为 JSON 对象",
        None,
    )
    assert validation_message([{"type": "something_new", "loc": ["query", "x"]}]) == (
        "x：格式不正确",
        "x",
    )


def test_a_report_is_the_json_body_or_a_beacon_form_field(rf):
    """report_json: the page's JSON body, or (navigator.sendBeacon cannot set the CSRF
    header) the `report` field of a form that carries the token; both refused alike when
    they are not a JSON object."""
    from xianfeng.common.parse import report_json

    body = '{"sections": [[0, 5]], "position": 5}'
    as_json = rf.post("/r/", body, content_type="application/json")
    as_form = rf.post("/r/", {"csrfmiddlewaretoken": "t", "report": body})  # multipart
    as_beacon = rf.post(
        "/r/", f"csrfmiddlewaretoken=t&report={body}",
        content_type="application/x-www-form-urlencoded;charset=UTF-8",
    )  # fmt: skip
    for request in (as_json, as_form, as_beacon):
        assert report_json(request) == {"sections": [[0, 5]], "position": 5}
    assert report_json(rf.post("/r/", {"csrfmiddlewaretoken": "t"})) == {}
    for bad in ("[1, 2]", "{not json", '{"a": 1e400}'):
        with pytest.raises(BadInput):
            report_json(rf.post("/r/", {"report": bad}))
        with pytest.raises(BadInput):
            report_json(rf.post("/r/", bad, content_type="application/json"))
