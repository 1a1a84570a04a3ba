from django.urls import path

from xianfeng.mobility import views

app_name = "mobility"
urlpatterns = [
    path("", views.index, name="index"),
    path("incoming/", views.incoming, name="incoming"),
    path("new/<int:member_pk>/", views.register, name="register"),
    path("member/<int:member_pk>/", views.for_member, name="for_member"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/contact/", views.contact, name="contact"),
    path("<int:pk>/activity/", views.activity, name="activity"),
    path("<int:pk>/return/", views.came_back, name="return"),
]
