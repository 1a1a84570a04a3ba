"""Media URLs, included by the root URLconf as path("media-api/", include(...)) (not
"media/": that prefix is the local media files)."""

from django.urls import path

from xianfeng.media import tus

app_name = "media"
urlpatterns = [
    # The tus endpoint: POST creates, the Location it returns takes HEAD/PATCH/DELETE.
    path("uploads/", tus.UploadCollectionView.as_view(), name="uploads"),
    path("uploads/<uuid:pk>/", tus.UploadView.as_view(), name="upload"),
]
