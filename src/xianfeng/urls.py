from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponseBase
from django.urls import URLPattern, URLResolver, include, path
from django.views.static import serve

from xianfeng.api import api

handler400 = "xianfeng.common.views.bad_request"
handler404 = "xianfeng.common.views.page_not_found"

admin.site.site_header = "先锋 管理后台"
admin.site.site_title = "先锋"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("xianfeng.common.urls")),
    path("", include("xianfeng.people.urls")),
    path("orgs/", include("xianfeng.orgs.urls")),
    path("lessons/", include("xianfeng.lessons.urls")),
    path("meetings/", include("xianfeng.meetings.urls")),
    path("media-api/", include("xianfeng.media.urls")),
    path("moderation/", include("xianfeng.moderation.urls")),
    path("notifications/", include("xianfeng.notify.urls")),
    path("contests/", include("xianfeng.contests.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]


def local_media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Local media in the embedded setup (nginx or the object store serves it in
    production); MEDIA_ROOT is read per request, so tests can point it elsewhere."""
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))


if settings.SERVE_LOCAL_MEDIA:
    urlpatterns.append(path("media/<path:path>", local_media))
