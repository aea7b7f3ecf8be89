from django.apps import AppConfig


class LearningConfig(AppConfig):
    """What the partnership does to spread a review's learning (the annual report's
    Workforce Development): briefings, training days, workshops, toolkits and "Spotlight on"
    notes, linked to the recommendations they answer."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "learning"
