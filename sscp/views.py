from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render

from actions.models import Action
from actions.selectors import status_counts


def home(request):
    """The signed-in person's starting page: where things stand, and their agency's actions."""
    agency_actions = None
    if request.user.agency_id:
        agency_actions = (
            Action.objects.open()
            .filter(agency_id=request.user.agency_id)
            .select_related("recommendation__review", "agency", "owner")
            .order_by("due_date", "pk")
        )
    return render(
        request,
        "sscp/home.html",
        {
            "status_counts": status_counts(Action.objects.all()),
            "agency_actions": agency_actions,
        },
    )


@login_not_required
def accessibility(request):
    return render(request, "sscp/accessibility.html")
