from django.shortcuts import render

from actions import selectors
from audits.timeline import entries_for


def action_detail(request, pk):
    action = selectors.action_detail(pk)
    history = entries_for(type(action), action.history.select_related("history_user"))
    return render(
        request,
        "actions/action_detail.html",
        {
            "action": action,
            "recommendation": action.recommendation,
            "review": action.recommendation.review,
            "history": history[::-1],
        },
    )
