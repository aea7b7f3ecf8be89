from django.apps import AppConfig
from django.db.models.signals import m2m_changed


class ReviewsConfig(AppConfig):
    name = "reviews"

    def ready(self):
        from reviews.models import Recommendation, Review, themes_changed

        for model in (Review, Recommendation):
            m2m_changed.connect(
                themes_changed,
                sender=model.themes.through,
                dispatch_uid=f"sscp-kept-themes-{model._meta.model_name}",
            )
