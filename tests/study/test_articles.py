"""Columns and articles: sanitising (no script reaches a page), inheritance down the tree,
scoping, states and scheduled publishing, the word list, attachments and covers, reading
measured honestly with points once, 阅读率 per branch, query counts."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.factories import MemberFactory, SensitiveWordFactory, UserFactory
from xianfeng.common.errors import Refused
from xianfeng.moderation import scanner
from xianfeng.moderation.models import ReviewItem
from xianfeng.moderation.services import review_decide
from xianfeng.study.enums import ArticleState
from xianfeng.study.models import Article, ArticleAttachment, ArticleRead, PointsEntry
from xianfeng.study.services import articles as services

pytestmark = pytest.mark.django_db

EVIL = (
    '<p>学习<script>alert("x")</script>'
    '<img src="x" onerror="alert(1)">'
    '<a href="javascript:alert(2)">点这里</a>'
    '<a href="https://www.12371.cn/" onclick="alert(3)">共产党员网</a>'
    '<span style="position:fixed">盖住</span></p>'
    '<iframe src="https://evil.example/"></iframe><svg onload="alert(4)"></svg>'
)


def column(org, actor, name="要闻导读"):
    return services.column_create(actor=actor, org=org, name=name)


def article(org, actor, col, *, title="学习二十大精神", body="<p>正文内容。</p>", publish=True):
    a = services.article_create(
        actor=actor,
        org=org,
        data=services.ArticleData(column=col, title=title, body=body),
    )
    if publish:
        a = services.article_publish(actor=actor, article=a)
    return a


@pytest.fixture
def county_column(county):
    return column(county.county, county.county_admin)


def test_evil_body_never_reaches_the_page(client, county, county_column):
    client.force_login(county.county_admin)
    response = client.post(
        reverse("study:article_new"),
        {"org": county.county.pk, "column": county_column.pk, "title": "标题", "body": EVIL},
    )
    a = Article.objects.get()
    assert response.status_code == 302
    assert a.body == (
        '<p>学习<a rel="noopener noreferrer nofollow">点这里</a>'
        '<a href="https://www.12371.cn/" rel="noopener noreferrer nofollow">共产党员网</a>'
        "盖住</p>"
    )
    services.article_publish(actor=county.county_admin, article=a)
    client.force_login(county.member_b1.user)
    html = client.get(reverse("study:article", args=[a.pk])).content.decode()
    body = html[html.index('id="article-body"') : html.index("</article>")]
    for bad in ("<script", "onerror", "javascript:", "onclick", "style=", "<iframe", "<svg"):
        assert bad not in body
    assert 'href="https://www.12371.cn/"' in body


def test_a_body_of_only_markup_is_refused(county, county_column):
    with pytest.raises(Refused, match="请填写正文"):
        article(
            county.county, county.county_admin, county_column, body="<p><br></p><script>1</script>"
        )
    assert Article.objects.count() == 0


def test_county_column_reaches_every_branch_and_a_branch_article_only_its_own(
    client, county, county_column
):
    branch_col = column(county.branch_a1, county.secretary_a1, name="支部动态")
    wide = article(county.county, county.county_admin, county_column, title="全县要闻")
    own = article(county.branch_a1, county.secretary_a1, branch_col, title="东街动态")
    # A branch may write into the county's column: only its members see it.
    mine = article(county.branch_a1, county.secretary_a1, county_column, title="东街要闻")
    client.force_login(county.member_a1.user)
    html = client.get(reverse("study:articles")).content.decode()
    assert [t in html for t in ("全县要闻", "东街动态", "东街要闻")] == [True, True, True]
    assert "支部动态" in html and "要闻导读" in html
    client.force_login(county.member_b1.user)
    html = client.get(reverse("study:articles")).content.decode()
    assert "全县要闻" in html and "东街动态" not in html and "东街要闻" not in html
    assert "支部动态" not in html
    assert client.get(reverse("study:article", args=[wide.pk])).status_code == 200
    for pk in (own.pk, mine.pk):
        assert client.get(reverse("study:article", args=[pk])).status_code == 404
        assert (
            client.post(
                reverse("study:article_read", args=[pk]), {}, content_type="application/json"
            ).status_code
            == 404
        )


def test_residents_anonymous_and_other_branches_cannot_reach_an_article(
    client, county, county_column
):
    col = column(county.branch_a1, county.secretary_a1, name="支部动态")
    a = article(county.branch_a1, county.secretary_a1, col)
    url = reverse("study:article", args=[a.pk])
    assert client.get(url).status_code == 302  # to login
    client.force_login(county.resident)
    assert client.get(url).status_code == 404
    client.force_login(county.secretary_b1)
    assert client.get(url).status_code == 404
    assert client.get(reverse("study:article_edit", args=[a.pk])).status_code == 404
    assert client.get(reverse("study:article_readers", args=[a.pk])).status_code == 404
    response = client.post(reverse("study:article_action", args=[a.pk, "archive"]))
    assert response.status_code == 404
    assert Article.objects.get(pk=a.pk).state == ArticleState.PUBLISHED


def test_a_member_cannot_write_or_manage(client, county, county_column):
    client.force_login(county.member_a1.user)
    assert client.get(reverse("study:article_new")).status_code == 403
    response = client.post(
        reverse("study:article_new"),
        {"org": county.branch_a1.pk, "column": county_column.pk, "title": "x", "body": "<p>x</p>"},
    )
    assert response.status_code == 403
    assert Article.objects.count() == 0


def test_draft_and_scheduled_articles_wait(
    client, county, county_column, django_capture_on_commit_callbacks
):
    draft = article(county.county, county.county_admin, county_column, title="草稿", publish=False)
    later = article(county.county, county.county_admin, county_column, title="定时", publish=False)
    at = timezone.now() + datetime.timedelta(hours=2)
    later = services.article_publish(actor=county.county_admin, article=later, at=at)
    assert later.state == ArticleState.SCHEDULED
    client.force_login(county.member_a1.user)
    for a in (draft, later):
        assert client.get(reverse("study:article", args=[a.pk])).status_code == 404
    assert services.articles_publish_due() == 0
    Article.objects.filter(pk=later.pk).update(
        publish_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    # Visible from its time even before the periodic job runs …
    assert client.get(reverse("study:article", args=[later.pk])).status_code == 200
    # … which then publishes it, dated at its scheduled time.
    assert services.articles_publish_due() == 1
    later.refresh_from_db()
    assert later.state == ArticleState.PUBLISHED and later.publish_at is None
    assert later.published_at is not None
    # The organiser previews a draft; a member does not see it.
    client.force_login(county.county_admin)
    assert client.get(reverse("study:article", args=[draft.pk])).status_code == 200


def test_archived_leaves_the_list_but_the_link_still_reads(client, county, county_column):
    a = article(county.county, county.county_admin, county_column, title="旧文")
    services.article_archive(actor=county.county_admin, article=a)
    client.force_login(county.member_a1.user)
    assert "旧文" not in client.get(reverse("study:articles")).content.decode()
    assert client.get(reverse("study:article", args=[a.pk])).status_code == 200
    with pytest.raises(Refused, match="文章不能从“已归档”变为“草稿”"):
        services.article_unpublish(actor=county.county_admin, article=a)


def test_pinned_first(client, county, county_column):
    old = article(county.county, county.county_admin, county_column, title="置顶的旧文")
    article(county.county, county.county_admin, county_column, title="新文章")
    services.article_pin(actor=county.county_admin, article=old, pinned=True)
    client.force_login(county.member_a1.user)
    html = client.get(reverse("study:articles")).content.decode()
    assert html.index("置顶的旧文") < html.index("新文章")


def test_a_listed_word_holds_the_article_until_review(client, county, county_column):
    SensitiveWordFactory(word="赌博")
    scanner.bump_version()
    a = article(
        county.county, county.county_admin, county_column, body="<p>远离赌博</p>", publish=False
    )
    assert (a.text_status, a.flagged_words) == ("held", ["赌博"])
    with pytest.raises(Refused, match="敏感词"):
        services.article_publish(actor=county.county_admin, article=a)
    item = ReviewItem.objects.get(kind="study.article", object_id=str(a.pk))
    review_decide(reviewer=county.county_admin, item=item, approve=True)
    a.refresh_from_db()
    assert a.text_status == "visible"
    assert services.article_publish(actor=county.county_admin, article=a).state == "published"


def _backdate(user, a, seconds):
    ArticleRead.objects.filter(user=user, article=a).update(
        last_report_at=timezone.now() - datetime.timedelta(seconds=seconds)
    )


def test_reading_is_capped_by_the_clock_and_completes_once_with_a_point(
    county, county_column, django_capture_on_commit_callbacks
):
    body = "<p>" + "学" * 1200 + "</p>"  # 1200 字 at 600 字/分 → 120 s
    a = article(county.county, county.county_admin, county_column, body=body)
    user = county.member_a1.user
    assert a.reading_seconds == 120
    with django_capture_on_commit_callbacks(execute=True):
        # A forged "I read for an hour" right away earns only the slack (5 s).
        read = services.article_read_report(user=user, article=a, seconds=3600, scrolled=1)
        assert (read.seconds, read.completed_at) == (5.0, None)
        _backdate(user, a, 60)
        read = services.article_read_report(user=user, article=a, seconds=60, scrolled=0.5)
        assert (read.seconds, read.scrolled, read.completed_at) == (65.0, 1.0, None)
        _backdate(user, a, 100)
        read = services.article_read_report(user=user, article=a, seconds=100, scrolled=0.2)
        # Credited up to the article's length; scrolled never goes back.
        assert (read.seconds, read.scrolled) == (120.0, 1.0)
        assert read.completed_at is not None
        _backdate(user, a, 100)
        services.article_read_report(user=user, article=a, seconds=100, scrolled=1)
    a.refresh_from_db()
    assert a.read_count == 1
    rows = list(PointsEntry.objects.filter(user=user).values_list("rule", "points", "source_id"))
    assert rows == [("study.article", 1, str(a.pk))]


def test_the_report_sent_on_leaving_the_page_is_a_beacon_form(county, county_column):
    """reading.js's last report goes by sendBeacon: a form with the CSRF token and the JSON."""
    from tests.conftest import beacon_sender

    a = article(county.county, county.county_admin, county_column)
    send = beacon_sender(county.member_a1.user, reverse("study:article", args=[a.pk]))
    url = reverse("study:article_read", args=[a.pk])
    report = '{"seconds": 4, "scrolled": 0.5}'
    assert send(url, report, token=False).status_code == 403
    answer = send(url, report)
    assert answer.status_code == 200, answer.content
    read = ArticleRead.objects.get(user=county.member_a1.user, article=a)
    assert read.scrolled == 0.5 and read.seconds > 0


def test_reading_needs_the_end_of_the_page(
    county, county_column, django_capture_on_commit_callbacks
):
    a = article(county.county, county.county_admin, county_column)  # short: 15 s
    user = county.member_b1.user
    services.article_read_report(user=user, article=a, seconds=1, scrolled=0.3)
    _backdate(user, a, 30)
    read = services.article_read_report(user=user, article=a, seconds=30, scrolled=0.89)
    assert (read.seconds, read.completed_at) == (15.0, None)
    _backdate(user, a, 2)
    read = services.article_read_report(user=user, article=a, seconds=2, scrolled=0.95)
    assert read.completed_at is not None


def test_read_endpoint_refuses_bad_input_and_previews(client, county, county_column):
    a = article(county.county, county.county_admin, county_column)
    draft = article(county.county, county.county_admin, county_column, publish=False)
    client.force_login(county.member_a1.user)
    url = reverse("study:article_read", args=[a.pk])
    for payload in ('{"seconds": "x", "scrolled": 1}', '{"seconds": 1e999, "scrolled": 1}', "[1]"):
        response = client.post(url, payload, content_type="application/json")
        assert response.status_code == 400
    response = client.post(url, {"seconds": -1, "scrolled": 0.5}, content_type="application/json")
    assert response.json() == {"detail": "阅读记录格式不对"}
    client.force_login(county.county_admin)  # previews the draft; not a reading
    response = client.post(
        reverse("study:article_read", args=[draft.pk]),
        {"seconds": 5, "scrolled": 1},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert ArticleRead.objects.count() == 0
    client.force_login(county.member_a1.user)
    response = client.post(url, {"seconds": 5, "scrolled": 0.5}, content_type="application/json")
    assert response.json() == {"seconds": 5.0, "needed": 15, "scrolled": 0.5, "completed": False}


def test_reading_rate_per_branch_in_the_organisers_reach(client, county, county_column):
    a = article(county.county, county.county_admin, county_column)
    extra = MemberFactory(org=county.branch_a1, user=UserFactory(username="a1b", name="赵东街"))
    MemberFactory(
        org=county.branch_a2, user=UserFactory(username="gone", name="钱西街", is_active=False)
    )
    now = timezone.now()
    for member in (county.member_a1, county.member_b1):
        ArticleRead.objects.create(user=member.user, article=a, completed_at=now, seconds=15)
    ArticleRead.objects.create(user=extra.user, article=a, seconds=3)  # not finished
    client.force_login(county.county_admin)
    html = client.get(reverse("study:article_readers", args=[a.pk])).content.decode()
    assert "2 / 4 名党员读完，阅读率 50.0%" in html
    cells = '<td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
    assert cells.format("东街社区党支部", 2, 1, "50.0%") in html
    assert cells.format("西街社区党支部", 1, 0, "0.0%") in html
    assert cells.format("柳湾村党支部", 1, 1, "100.0%") in html
    client.force_login(county.secretary_a1)  # a county article, read for their branch only
    response = client.get(reverse("study:article_readers", args=[a.pk]))
    assert response.status_code == 404  # not theirs to manage


def test_branch_secretary_sees_only_their_branch_rate(client, county):
    col = column(county.branch_a1, county.secretary_a1, name="支部动态")
    a = article(county.branch_a1, county.secretary_a1, col)
    client.force_login(county.secretary_a1)
    html = client.get(reverse("study:article_readers", args=[a.pk])).content.decode()
    assert "0 / 1 名党员读完，阅读率 0.0%" in html
    assert "柳湾" not in html and "西街" not in html


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="PNG")
    return out.getvalue()


def test_attachments_are_checked_and_served_only_to_readers(client, county, county_column):
    col = column(county.branch_a1, county.secretary_a1, name="支部动态")
    a = article(county.branch_a1, county.secretary_a1, col)
    client.force_login(county.secretary_a1)
    action = reverse("study:article_action", args=[a.pk, "attach"])
    fake = SimpleUploadedFile("通知.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    html = client.post(action, {"file": fake}, follow=True).content.decode()
    assert "文件“通知.pdf”的内容不是 PDF 文件，可能已损坏" in html
    exe = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    html = client.post(action, {"file": exe}, follow=True).content.decode()
    assert "附件只能是 PDF、Word、Excel、PowerPoint 或 JPG/PNG 图片" in html
    assert ArticleAttachment.objects.count() == 0
    pdf = SimpleUploadedFile("学习材料.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    client.post(action, {"file": pdf})
    item = ArticleAttachment.objects.get()
    url = reverse("study:article_attachment", args=[a.pk, item.pk])
    client.force_login(county.member_a1.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n%%EOF\n"
    client.force_login(county.member_b1.user)
    assert client.get(url).status_code == 404


def test_cover_is_reencoded_and_a_broken_one_refused(client, county, county_column):
    a = article(county.county, county.county_admin, county_column)
    client.force_login(county.county_admin)
    action = reverse("study:article_action", args=[a.pk, "cover"])
    broken = SimpleUploadedFile("封面.png", b"\x89PNG\r\n\x1a\nbroken", content_type="image/png")
    html = client.post(action, {"file": broken}, follow=True).content.decode()
    assert "无法识别的图片，请上传 JPG 或 PNG 图片" in html
    client.post(action, {"file": SimpleUploadedFile("封面.png", _png(), content_type="image/png")})
    a.refresh_from_db()
    assert a.cover.name.endswith(".jpg") and a.cover_thumb.name.endswith("-s.jpg")
    client.force_login(county.member_b1.user)
    response = client.get(reverse("study:article_cover", args=[a.pk]))
    assert response["Content-Type"] == "image/jpeg"


def test_double_submitted_new_article_makes_two_drafts_not_an_error(client, county, county_column):
    client.force_login(county.county_admin)
    data = {
        "org": county.county.pk,
        "column": county_column.pk,
        "title": "标题",
        "body": "<p>正文</p>",
    }
    assert client.post(reverse("study:article_new"), data).status_code == 302
    # Without a title nothing is written and the typed body comes back.
    html = client.post(reverse("study:article_new"), {**data, "title": ""}).content.decode()
    assert "这个字段是必填项" in html or "此字段为必填项" in html or "必填" in html
    assert "&lt;p&gt;正文&lt;/p&gt;" in html
    assert Article.objects.count() == 1


def test_columns_page_adds_a_column_and_refuses_a_duplicate(client, county, county_column):
    client.force_login(county.county_admin)
    url = reverse("study:columns_manage")
    data = {"kind": "column", "org": county.county.pk, "name": "要闻导读", "order": 1}
    html = client.post(url, data).content.decode()
    assert "“青山县委”已有栏目“要闻导读”" in html
    assert client.post(url, {**data, "name": "党建视频"}).status_code == 302
    response = client.post(url, {"kind": "series", "org": county.county.pk, "title": "二十大专题"})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "党建视频" in html and "二十大专题" in html


@pytest.mark.parametrize("n", [1, 3])
def test_article_list_query_count(client, county, county_column, django_assert_num_queries, n):
    for i in range(n):
        article(county.county, county.county_admin, county_column, title=f"文章{i}")
    client.force_login(county.member_a1.user)
    with django_assert_num_queries(8):
        html = client.get(reverse("study:articles")).content.decode()
    assert html.count('class="article-row"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_manage_list_query_count(client, county, county_column, django_assert_num_queries, n):
    for i in range(n):
        article(county.county, county.county_admin, county_column, title=f"文章{i}")
    client.force_login(county.county_admin)
    with django_assert_num_queries(6):
        html = client.get(reverse("study:articles_manage")).content.decode()
    assert html.count("study/manage/articles/") >= n


@pytest.mark.parametrize("n", [1, 3])
def test_readers_page_query_count(client, county, county_column, django_assert_num_queries, n):
    a = article(county.county, county.county_admin, county_column)
    for i in range(n):
        m = MemberFactory(org=county.branch_b1, user=UserFactory(username=f"r{i}", name=f"读者{i}"))
        ArticleRead.objects.create(user=m.user, article=a, completed_at=timezone.now())
    client.force_login(county.county_admin)
    with django_assert_num_queries(6):
        html = client.get(reverse("study:article_readers", args=[a.pk])).content.decode()
    assert f"{n} / {n + 3} 名党员读完" in html


@pytest.mark.parametrize("n", [1, 3])
def test_columns_page_query_count_and_scope(client, county, django_assert_num_queries, n):
    """The organiser's columns page: the columns and series of the orgs one manages, at any
    number of them in the same queries; another town's never listed."""
    for i in range(n):
        services.column_create(actor=county.town_a_admin, org=county.town_a, name=f"城关栏目{i}")
        services.series_create(actor=county.town_a_admin, org=county.town_a, title=f"城关专题{i}")
    services.column_create(actor=county.county_admin, org=county.town_b, name="河口镇栏目")
    services.series_create(actor=county.county_admin, org=county.town_b, title="河口镇专题")
    client.force_login(county.town_a_admin)
    client.get(reverse("study:columns_manage"))
    with django_assert_num_queries(7):
        html = client.get(reverse("study:columns_manage")).content.decode()
    assert all(f"城关栏目{i}" in html and f"城关专题{i}" in html for i in range(n))
    assert "河口镇栏目" not in html and "河口镇专题" not in html
