from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from xianfeng.api import api
from xianfeng.media import delivery
from xianfeng.ops import views as ops_views

handler400 = "xianfeng.common.views.bad_request"
handler404 = "xianfeng.common.views.page_not_found"
handler500 = "xianfeng.common.views.server_error"

admin.site.site_header = "先锋 管理后台"
admin.site.site_title = "先锋"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("xianfeng.common.urls")),
    path("metrics", ops_views.metrics_view, name="metrics"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("", include("xianfeng.people.urls")),
    path("orgs/", include("xianfeng.orgs.urls")),
    path("lessons/", include("xianfeng.lessons.urls")),
    path("live/", include("xianfeng.live.urls")),
    path("meetings/", include("xianfeng.meetings.urls")),
    path("transfers/", include("xianfeng.transfers.urls")),
    path("dues/", include("xianfeng.dues.urls")),
    path("mobile/", include("xianfeng.mobility.urls")),
    path("media-api/", include("xianfeng.media.urls")),
    path("moderation/", include("xianfeng.moderation.urls")),
    path("notifications/", include("xianfeng.notify.urls")),
    path("contests/", include("xianfeng.contests.urls")),
    path("indicators/", include("xianfeng.assessment.urls")),
    path("dashboards/", include("xianfeng.dashboards.urls")),
    path("remote/", include("xianfeng.remote.urls")),
    path("study/", include("xianfeng.study.urls")),
    path("community/", include("xianfeng.community.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    # A video's files, to the holder of a signed token (no login: a token per folder).
    path("media/v/<str:token>/<str:key>/<path:rest>", delivery.serve, name="media-file"),
]
