"""The SILG chair's sign-off journey with the keyboard alone, focus visible at every step."""

import pytest

from actions.models import Action
from tests.browser.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Whether the focused element shows GOV.UK's focus style: the yellow focus colour as
# a background, an outline, or a box-shadow (on the input, or on a radio's label).
FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  const looks = (style) => style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
      && style.outlineColor !== 'rgba(0, 0, 0, 0)'
    || style.boxShadow !== 'none'
    || style.backgroundColor === 'rgb(255, 221, 0)';
  if (el.type === 'radio' || el.type === 'checkbox') {
    return looks(getComputedStyle(el.labels[0], '::before'));
  }
  return looks(getComputedStyle(el));
}"""


def tab_to(page, selector, *, limit=80):
    """Press Tab until `selector` has the focus; check the focus can be seen there."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            assert page.evaluate(FOCUS_VISIBLE), f"no visible focus on {selector}"
            return
    raise AssertionError(f"Tab never reached {selector}")


def sign_in_with_the_keyboard(page, username):
    page.goto("/sign-in/")
    tab_to(page, "#id_username")
    page.keyboard.type(username)
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector(".sscp-account__name")


def test_the_chair_signs_off_an_action_with_the_keyboard_alone(page, demo):
    action = Action.objects.get(title="Commission Sandstories training on disguised compliance")
    sign_in_with_the_keyboard(page, "silg-chair")

    tab_to(page, ".govuk-service-navigation__link:has-text('Awaiting sign-off')")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Awaiting sign-off')")

    tab_to(page, f"a[href='/southampton/actions/{action.pk}/sign-off/']")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Sign off the action')")

    tab_to(page, "a:has-text('sandstories-training-attendance.pdf')")  # the evidence can be reached
    tab_to(page, "input[value=approve]")
    page.keyboard.press("Space")
    assert page.is_checked("input[value=approve]")
    tab_to(page, "#id_comment")
    page.keyboard.type("Thank you: the attendance shows every agency took part.")
    tab_to(page, "button:has-text('Record the decision')")
    page.keyboard.press("Enter")
    page.wait_for_selector(".govuk-notification-banner--success")

    assert "Approved: the action is completed" in page.inner_text(
        ".govuk-notification-banner--success"
    )
    action.refresh_from_db()
    assert action.status == Action.Status.COMPLETED
    assert (
        action.decisions.get().comment == "Thank you: the attendance shows every agency took part."
    )


def test_an_error_is_reached_and_corrected_with_the_keyboard(page, demo):
    action = Action.objects.get(title="Commission Sandstories training on disguised compliance")
    sign_in_with_the_keyboard(page, "silg-chair")
    page.goto(f"/southampton/actions/{action.pk}/sign-off/")
    tab_to(page, "input[value=approve]")
    page.keyboard.press("ArrowDown")  # arrow keys move through a group of radios
    assert page.is_checked("input[value=return]")
    assert page.evaluate(FOCUS_VISIBLE)
    tab_to(page, "button:has-text('Record the decision')")
    page.keyboard.press("Enter")
    # GOV.UK's error summary takes the focus, and its link leads to the field.
    page.wait_for_selector(".govuk-error-summary")
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    tab_to(page, ".govuk-error-summary__list a")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_comment"
    page.keyboard.type("Please add the attendance register.")
    tab_to(page, "button:has-text('Record the decision')")
    page.keyboard.press("Enter")
    page.wait_for_selector(".govuk-notification-banner--success")
    action.refresh_from_db()
    assert action.status == Action.Status.IN_PROGRESS and action.returned_at is not None
