import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from actions import reminders
from actions.models import Action, Reminder
from reviews.models import Review
from sscp.models import User


def parse_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date must be a date like 2026-11-30, not “{value}”") from error


class Command(BaseCommand):
    help = (
        "Run the reminder sweep now, in this process: record the reminders due on the day and "
        "send one digest to each person with reminders waiting."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", type=parse_date, help="The day to sweep for (default: today)."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List who would get what; record and send nothing.",
        )

    def handle(self, *args, date=None, dry_run=False, **options):
        day = date or timezone.localdate()
        if dry_run:
            self._dry_run(day)
            return
        result = reminders.sweep(day=day)
        for recipient in result.failed_recipients:
            self.stderr.write(
                f"Could not send to {recipient} <{recipient.email}>; it will be tried again."
            )
        if result.stopped_early:
            self.stderr.write(
                "The mail server is not answering, so sending stopped; everyone else's "
                "reminders wait in the outbox for the next run."
            )
        self.stdout.write(result.summary())

    def _dry_run(self, day):
        planned = reminders.plan(day)
        recorded = set(
            Reminder.objects.filter(reminder_date=day).values_list(
                "recipient_id", "action_id", "kind", "review_id", "stage"
            )
        )
        new = [
            p
            for p in planned
            if (p.recipient_id, p.action_id, p.kind, p.review_id, p.stage) not in recorded
        ]
        people = User.objects.in_bulk({p.recipient_id for p in new})
        actions = Action.objects.select_related("recommendation__review").in_bulk(
            {p.action_id for p in new if p.action_id}
        )
        reviews = Review.objects.in_bulk({p.review_id for p in new if p.review_id})
        for item in sorted(
            new,
            key=lambda p: (people[p.recipient_id].username, p.action_id or 0, p.review_id or 0),
        ):
            recipient = people[item.recipient_id]
            self.stdout.write(
                f"{recipient.username} <{recipient.email}>: {Reminder.Kind(item.kind).label}: "
                + self._about(item, actions, reviews)
            )
        waiting = Reminder.objects.filter(
            status__in=[*Reminder.CLAIMABLE, Reminder.Status.SENDING]
        ).count()
        recipients = len(people)
        self.stdout.write(
            f"dry run for {day:%-d %B %Y}: would record {len(new)} reminder(s) for "
            f"{recipients} recipient(s); {waiting} already waiting in the outbox; "
            "nothing recorded or sent"
        )

    @staticmethod
    def _about(item, actions, reviews) -> str:
        if item.action_id is None:
            return (
                f"{reviews[item.review_id].title}, {reminders.stage_label(item.stage)} "
                f"(due {item.due_date:%-d %B %Y})"
            )
        action = actions[item.action_id]
        return (
            f"{action.recommendation.review.title} "
            f"recommendation {action.recommendation.number}, {action.title} "
            f"(due {action.due_date:%-d %B %Y})"
        )
