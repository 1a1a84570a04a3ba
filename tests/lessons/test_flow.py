"""Draft → submitted → published, who may do it, and text held by the sensitive-word check."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import grant, ready_video
from xianfeng.common.errors import Refused
from xianfeng.lessons import services
from xianfeng.lessons.enums import LessonState, TextStatus
from xianfeng.lessons.models import Comment, Lesson, Reflection
from xianfeng.media.enums import VideoStatus
from xianfeng.moderation.models import ReviewItem
from xianfeng.moderation.services import review_decide
from xianfeng.orgs.enums import RoleKind

pytestmark = pytest.mark.django_db


def draft(county, title="我的第一节微党课", **text):
    lesson = services.lesson_create(
        actor=county.member_a1.user,
        org=county.branch_a1,
        data=services.LessonData(title=title, **text),
    )
    return lesson


def with_video(lesson, status=VideoStatus.READY):
    video = ready_video(lesson.author, duration=200)
    video.status = status
    video.target_id = str(lesson.pk)
    video.save()
    Lesson.objects.filter(pk=lesson.pk).update(video=video)
    lesson.refresh_from_db()
    return lesson


def test_member_creates_for_own_branch_with_self_as_speaker(county):
    lesson = draft(county)
    assert (lesson.state, lesson.speaker, lesson.speaker_name) == (
        "draft",
        county.member_a1,
        "张东街",
    )


def test_member_cannot_create_for_another_branch(county):
    with pytest.raises(PermissionDenied):
        services.lesson_create(
            actor=county.member_a1.user,
            org=county.branch_b1,
            data=services.LessonData(title="越权"),
        )
    assert not Lesson.objects.exists()


def test_submit_needs_a_video(county):
    lesson = draft(county)
    with pytest.raises(Refused, match="请先上传视频或音频"):
        services.lesson_submit(actor=county.member_a1.user, lesson=lesson)
    lesson.refresh_from_db()
    assert lesson.state == LessonState.DRAFT


def test_publish_needs_a_ready_video_and_a_manager(county):
    lesson = with_video(draft(county), VideoStatus.TRANSCODING)
    services.lesson_submit(actor=county.member_a1.user, lesson=lesson)
    with pytest.raises(PermissionDenied):
        services.lesson_publish(actor=county.member_a1.user, lesson=lesson)
    with pytest.raises(PermissionDenied):
        services.lesson_publish(actor=county.secretary_b1, lesson=lesson)
    with pytest.raises(Refused, match="视频尚未处理完成"):
        services.lesson_publish(actor=county.secretary_a1, lesson=lesson)
    lesson.video.status = VideoStatus.READY
    lesson.video.save()
    published = services.lesson_publish(actor=county.secretary_a1, lesson=lesson)
    assert (published.state, published.audience, published.duration) == (
        "published",
        county.branch_a1,
        200,
    )


def test_secretary_cannot_publish_to_the_whole_county_or_publicly(county):
    lesson = with_video(draft(county))
    services.lesson_submit(actor=county.member_a1.user, lesson=lesson)
    with pytest.raises(Refused, match="您不能向该范围发布"):
        services.lesson_publish(actor=county.secretary_a1, lesson=lesson, audience=county.county)
    with pytest.raises(Refused, match="您不能向该范围发布"):
        services.lesson_publish(actor=county.secretary_a1, lesson=lesson, public=True)
    lesson.refresh_from_db()
    assert lesson.state == LessonState.SUBMITTED
    services.lesson_publish(
        actor=county.county_admin, lesson=lesson, audience=county.county, public=True
    )


def test_sensitive_words_in_the_text_hold_publication_until_reviewed(county):
    reviewer = county.town_a_admin  # 组织管理员 may review in the town
    lesson = with_video(draft(county, story="有人在村里组织赌博，我们党员带头劝阻"))
    services.lesson_submit(actor=county.member_a1.user, lesson=lesson)
    lesson.refresh_from_db()
    assert (lesson.text_status, lesson.flagged_words) == (TextStatus.HELD, ["赌博"])
    with pytest.raises(Refused, match="审核通过后才能发布"):
        services.lesson_publish(actor=county.secretary_a1, lesson=lesson)
    item = ReviewItem.objects.get(kind="lesson.lesson", object_id=str(lesson.pk))
    with pytest.raises(PermissionDenied):
        review_decide(reviewer=county.secretary_b1, item=item, approve=True)
    review_decide(reviewer=reviewer, item=item, approve=True)
    lesson.refresh_from_db()
    assert lesson.text_status == TextStatus.VISIBLE
    services.lesson_publish(actor=county.secretary_a1, lesson=lesson)


def test_held_comment_is_hidden_until_approved(county, lesson_a1):
    grant(county.propagandist_a1, county.branch_a1, RoleKind.REVIEWER)
    comment = services.comment_add(
        user=county.member_a1.user, lesson=lesson_a1, text="这是赌博网站的广告"
    )
    assert comment.status == TextStatus.HELD
    lesson_a1.refresh_from_db()
    assert lesson_a1.comment_count == 0
    item = ReviewItem.objects.get(kind="lesson.comment")
    assert item.words == ["赌博"]
    review_decide(reviewer=county.propagandist_a1, item=item, approve=False)
    assert Comment.objects.get(pk=comment.pk).status == TextStatus.REJECTED
    ok = services.comment_add(user=county.member_a1.user, lesson=lesson_a1, text="讲得很好")
    assert ok.status == TextStatus.VISIBLE
    lesson_a1.refresh_from_db()
    assert lesson_a1.comment_count == 1


def test_full_width_and_spaced_words_are_caught(county, lesson_a1):
    comment = services.comment_add(user=county.member_a1.user, lesson=lesson_a1, text="有人 赌 博")
    assert comment.status == TextStatus.HELD


def test_reflection_needs_fifty_characters(county, lesson_a1):
    with pytest.raises(Refused, match="心得体会至少 50 个字，现在 11 个字"):
        services.reflection_save(
            user=county.member_a1.user, lesson=lesson_a1, text="学习了，很受教育。好！"
        )
    assert not Reflection.objects.exists()
    r = services.reflection_save(user=county.member_a1.user, lesson=lesson_a1, text="安" * 50)
    r2 = services.reflection_save(user=county.member_a1.user, lesson=lesson_a1, text="全" * 60)
    assert r.pk == r2.pk and Reflection.objects.count() == 1
    lesson_a1.refresh_from_db()
    assert lesson_a1.reflection_count == 1


def test_reply_to_a_reply_joins_the_thread(county, lesson_a1):
    top = services.comment_add(user=county.member_a1.user, lesson=lesson_a1, text="第一条")
    reply = services.comment_add(
        user=county.secretary_a1, lesson=lesson_a1, text="回复", parent=top
    )
    again = services.comment_add(
        user=county.member_a1.user, lesson=lesson_a1, text="再回复", parent=reply
    )
    assert (reply.parent_id, again.parent_id) == (top.pk, top.pk)


def test_rating_changes_instead_of_adding(county, lesson_a1):
    services.rating_set(user=county.member_a1.user, lesson=lesson_a1, score=3)
    services.rating_set(user=county.member_a1.user, lesson=lesson_a1, score=5)
    services.rating_set(user=county.secretary_a1, lesson=lesson_a1, score=4)
    lesson_a1.refresh_from_db()
    assert (lesson_a1.rating_count, lesson_a1.rating_sum, lesson_a1.rating_average) == (2, 9, 4.5)
    with pytest.raises(Refused, match="评分应为 1 到 5 星"):
        services.rating_set(user=county.member_a1.user, lesson=lesson_a1, score=6)


def test_like_twice_counts_once_and_unlike(county, lesson_a1):
    services.like_set(user=county.member_a1.user, lesson=lesson_a1, liked=True)
    services.like_set(user=county.member_a1.user, lesson=lesson_a1, liked=True)
    lesson_a1.refresh_from_db()
    assert lesson_a1.like_count == 1
    services.like_set(user=county.member_a1.user, lesson=lesson_a1, liked=False)
    services.like_set(user=county.member_a1.user, lesson=lesson_a1, liked=False)
    lesson_a1.refresh_from_db()
    assert lesson_a1.like_count == 0


def test_poster_is_a_png_with_a_qr_code(client, county, lesson_a1):
    client.force_login(county.member_a1.user)
    response = client.get(f"/lessons/{lesson_a1.pk}/poster.png")
    assert response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(response.content))
    assert image.size == (750, 1080)


def test_series_by_a_manager_and_the_feed_filter(client, county, lesson_a1):
    client.force_login(county.member_a1.user)
    assert client.get("/lessons/series/new/").status_code == 403
    client.force_login(county.secretary_a1)
    response = client.post("/lessons/series/new/", {"org": "A1", "title": "安全生产专题"})
    series = county.branch_a1.series.get()
    assert response["Location"] == f"/lessons/?series={series.pk}"
    Lesson.objects.filter(pk=lesson_a1.pk).update(series=series)
    html = client.get("/lessons/", {"series": series.pk}).content.decode()
    assert "安全生产专题" in html and "东街社区的矿灯故事" in html
    client.force_login(county.member_b1.user)  # another town: the series is not theirs
    assert "安全生产专题" not in client.get("/lessons/").content.decode()
