from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from learning import selectors, services
from learning.forms import LearningActivityForm
from sscp.forms import call_service, posted
from sscp.pagination import page_of
from sscp.permissions import Ability, abilities, require

FORM_METHODS = ["GET", "POST"]


@require_GET
def activity_list(request):
    page = page_of(request, selectors.activity_list(request.scope))
    return render(
        request, "learning/activity_list.html", {"page": page, "can": abilities(request.user)}
    )


@require_GET
def activity_detail(request, pk):
    activity = selectors.activity_for(request, pk, queryset=selectors.activity_page())
    return render(
        request,
        "learning/activity_detail.html",
        {"activity": activity, "can": abilities(request.user, activity)},
    )


def _form_page(request, form, activity=None):
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.learning_activity_save,
            actor=request.user,
            partnership=request.partnership,
            activity=activity,
            confirmed=form.confirmed_warnings,
            **form.cleaned_data,
        )
        if saved is not None:
            messages.success(request, f"Learning activity “{saved.title}” saved")
            return redirect(saved)
    return render(
        request,
        "learning/activity_form.html",
        {
            "form": form,
            "activity": activity,
            "title": "Record a learning activity" if activity is None else f"Edit {activity}",
            "button": "Save the learning activity",
        },
    )


@require_http_methods(FORM_METHODS)
def activity_create(request):
    require(request, Ability.PLAN)
    form = LearningActivityForm(posted(request), partnership=request.partnership)
    return _form_page(request, form)


@require_http_methods(FORM_METHODS)
def activity_edit(request, pk):
    activity = selectors.activity_for(request, pk, Ability.PLAN)
    form = LearningActivityForm(
        posted(request),
        initial=LearningActivityForm.initial_from(activity),
        partnership=activity.partnership,
    )
    return _form_page(request, form, activity)
