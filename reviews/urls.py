from django.urls import path

from reviews import views

urlpatterns = [
    path("reviews/", views.review_list, name="review-list"),
    path("reviews/<int:pk>/", views.review_detail, name="review-detail"),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="recommendation-detail"),
]
