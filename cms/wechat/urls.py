from django.urls import path

from . import views

urlpatterns = [path("signature/", views.signature, name="wechat_signature")]
