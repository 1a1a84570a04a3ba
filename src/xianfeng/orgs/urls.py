from django.urls import path

from xianfeng.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/children/", views.children, name="children"),
    path("<str:code>/roles/<int:role_id>/revoke/", views.role_revoke, name="role_revoke"),
    path("<str:code>/new/", views.child_create, name="child_create"),
    path("<str:code>/dissolve/", views.dissolve, name="dissolve"),
    path("<str:code>/rename/", views.rename, name="rename"),
    path("<str:code>/move/", views.move, name="move"),
    path("<str:code>/merge/", views.merge, name="merge"),
    path("<str:code>/groups/", views.group_create, name="group_create"),
]
