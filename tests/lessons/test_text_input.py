"""心得 and comments: the 50-字 minimum counts what a reader sees, and a lone surrogate or
NUL never makes a 500 (page and API, SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xianfeng.lessons.models import Comment, Reflection

pytestmark = pytest.mark.django_db

PADDED = "学习党章心得体会好" + "\u200b\u200c\u200d\u2060\ufeff" * 20  # 9 字, 109 characters


def test_zero_width_padding_does_not_make_fifty_characters_on_the_page(client, county, lesson_a1):
    client.force_login(county.member_a1.user)
    response = client.post(
        reverse("lessons:reflection", args=[lesson_a1.pk]), {"text": PADDED}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "心得体会至少 50 个字，现在 9 个字" in response.content.decode()
    assert not Reflection.objects.exists()


def test_zero_width_padding_does_not_make_fifty_characters_in_the_api(client, county, lesson_a1):
    client.force_login(county.member_a1.user)
    url = f"/api/v1/lessons/{lesson_a1.pk}/reflection"
    response = client.put(url, {"text": PADDED}, content_type="application/json")
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "心得体会至少 50 个字，现在 9 个字", "field": "text"},
    )
    spaced = " ".join("学" * 49) + "\u3000\u200b" * 30 + "e\u0301"  # 49 字 and one é
    response = client.put(url, {"text": spaced}, content_type="application/json")
    assert response.status_code == 200, response.content.decode()
    assert Reflection.objects.get().text == spaced.replace("e\u0301", "\u00e9")


def test_a_lone_surrogate_in_a_comment_through_the_api(client, county, lesson_a1):
    client.force_login(county.member_a1.user)
    url = f"/api/v1/lessons/{lesson_a1.pk}/comments"
    response = client.post(url, '{"text": "\\ud800"}', content_type="application/json")
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "请填写评论内容", "field": "text"},
    )
    response = client.post(url, '{"text": "说得\\udfff好\\u0000"}', content_type="application/json")
    assert response.status_code == 200, response.content.decode()
    assert response.json()["text"] == "说得好"
    assert Comment.objects.get().text == "说得好"


def test_a_lone_surrogate_in_a_comment_through_the_page(client, county, lesson_a1):
    """A form post cannot carry a surrogate: its bytes (CESU-8 here) are not UTF-8 and Django
    decodes them as U+FFFD, so the page answers normally; a NUL is dropped."""
    client.force_login(county.member_a1.user)
    url = reverse("lessons:comment", args=[lesson_a1.pk])
    response = client.post(
        url, b"text=%ED%A0%80%00", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302
    assert Comment.objects.get().text == "\ufffd\ufffd\ufffd"
    response = client.post(url, {"text": "\x00\u200b"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "请填写评论内容" in response.content.decode()
    assert Comment.objects.count() == 1
