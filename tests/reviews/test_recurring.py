"""Recurring learning (issue 19, item 3): writing a recommendation shows the partnership's
earlier ones that say much the same, best first; the team marks it as repeating one and
both pages show the link; the report lists repeated learning and the themes that recur
year on year. The matcher's accuracy on the labelled set is measured by devtools'
recurring_learning command (tests/devtools/test_recurring_learning.py)."""

import datetime

import pytest
from django.urls import reverse

from actions import counts
from actions import services as action_services
from reviews import recurring, selectors, services
from reviews.models import Recommendation
from sscp import roles
from sscp.scope import Scope
from tests.makers import (
    SLUG,
    default_partnership,
    make_partnership,
    make_recommendation,
    make_review,
    make_theme,
    make_user,
    share_review,
)
from tests.pages import text

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def earlier():
    clare = make_review(title="Clare", published_on=D(2020, 11, 12))
    make_recommendation(
        clare, number=1, text="Improve the sharing of information between schools and GPs."
    )
    make_recommendation(
        clare, number=3, text="Review the training offered to foster carers on safe sleep."
    )
    return make_recommendation(
        clare,
        number=2,
        text="Practitioners must treat any bruising in a non-mobile baby as a safeguarding "
        "concern and refer it under the bruising protocol.",
    )


@pytest.fixture
def later():
    liam = make_review(title="Liam", published_on=D(2023, 5, 2))
    return make_recommendation(
        liam,
        number=4,
        text="Assure the board that health visitors refer every bruise seen on a baby who is "
        "not yet mobile, as the bruising protocol requires.",
    )


def test_the_earlier_recommendation_saying_much_the_same_comes_first(earlier, later):
    found = recurring.similar_earlier(later)
    assert found[0] == earlier
    assert later not in found and all(r.review_id != later.review_id for r in found)


def test_another_partnerships_learning_is_never_offered(earlier, later):
    other = make_review(title="Elsewhere", partnership=make_partnership("elsewhere"))
    make_recommendation(other, text=later.text)
    assert all(r.partnership_id == later.partnership_id for r in recurring.similar_earlier(later))


def test_the_team_marks_a_repeat_and_both_pages_show_the_link(
    client_for, partnership_officer, earlier, later
):
    client = client_for(partnership_officer)
    page = text(client.get(later.get_absolute_url()).content.decode())
    assert "Earlier learning like this" in page
    assert "Clare, recommendation 2: Practitioners must treat any bruising" in page
    response = client.post(
        reverse("recommendation-repeats", args=[SLUG, later.pk]), {"repeats": earlier.pk}
    )
    assert response.status_code == 302
    later.refresh_from_db()
    assert later.repeats == earlier
    assert "This learning was also made in Clare, recommendation 2, November 2020" in text(
        client.get(later.get_absolute_url()).content.decode()
    )
    assert "This learning was made again in Liam, recommendation 4, May 2023" in text(
        client.get(earlier.get_absolute_url()).content.decode()
    )
    reason = Recommendation.history.filter(id=later.pk).latest().history_change_reason
    assert reason == "Marked as repeating the learning of Clare recommendation 2"


def test_a_repeat_of_its_own_review_or_another_partnership_is_refused(
    client_for, partnership_officer, earlier, later
):
    same_review = make_recommendation(later.review, number=5, text="Another")
    elsewhere = make_recommendation(
        make_review(title="Far", partnership=make_partnership("far")), text="x"
    )
    client = client_for(partnership_officer)
    for choice in (same_review, elsewhere):
        response = client.post(
            reverse("recommendation-repeats", args=[SLUG, later.pk]), {"repeats": choice.pk}
        )
        assert "Choose one of the earlier recommendations listed" in text(response.content.decode())
    later.refresh_from_db()
    assert later.repeats is None


def test_only_the_team_marks_repeats(client_for, silg_chair, lead_a, earlier, later):
    for person in (silg_chair, lead_a):
        client = client_for(person)
        page = text(client.get(later.get_absolute_url()).content.decode())
        assert "Earlier learning like this" not in page
        response = client.post(
            reverse("recommendation-repeats", args=[SLUG, later.pk]), {"repeats": earlier.pk}
        )
        assert response.status_code == 403
    later.refresh_from_db()
    assert later.repeats is None
    stranger = make_user("o-team", role=roles.PARTNERSHIP_TEAM, partnership=make_partnership("o"))
    response = client_for(stranger).post(
        reverse("recommendation-repeats", args=["o", later.pk]), {"repeats": earlier.pk}
    )
    assert response.status_code == 404


def test_the_report_lists_repeated_learning_and_themes_year_on_year(
    client_for, silg_chair, partnership_officer, earlier, later
):
    neglect = make_theme("Neglect")
    earlier.review.themes.add(neglect)
    later.themes.add(neglect)
    make_theme("Only once").reviews.add(later.review)
    services.recommendation_mark_repeat(
        actor=partnership_officer, recommendation=later, earlier=earlier
    )
    page = text(
        client_for(silg_chair).get(reverse("recurring-learning", args=[SLUG])).content.decode()
    )
    assert "Liam, recommendation 4" in page and "Clare, recommendation 2, November 2020" in page
    assert "Neglect 1 1" in page  # 2020/21 and 2023/24
    assert "2020/21" in page and "2023/24" in page
    assert "Only once" not in page


def test_a_theme_recurs_by_reviews_each_counted_once_in_its_financial_year():
    """A review counts once for a theme whether the review, its recommendations or both
    have it, in the financial year (from 1 April) of its publication, or commissioning
    before that; a withdrawn recommendation's theme does not count."""
    neglect, exploitation = make_theme("Neglect"), make_theme("Exploitation")
    both = make_review(published_on=D(2021, 3, 31))  # 2020/21
    both.themes.add(neglect)
    for number in (1, 2):
        make_recommendation(both, number=number).themes.add(neglect)
    only_its_recommendation = make_review(published_on=D(2023, 4, 1))  # 2023/24
    make_recommendation(only_its_recommendation).themes.add(neglect)
    commissioned = make_review(commissioned_on=D(2024, 1, 10))  # 2023/24, not yet published
    commissioned.themes.add(neglect, exploitation)
    withdrawn = make_recommendation(make_review(published_on=D(2025, 6, 1)))
    withdrawn.themes.add(exploitation)
    team = make_user("withdrawer", role=roles.PARTNERSHIP_TEAM)
    action_services.withdraw(actor=team, record=withdrawn, reason="Logged in error")
    themes, years = selectors.recurring_themes(Scope.of([default_partnership()]))
    assert [(theme.name, theme.reviews_by_year) for theme in themes] == [
        ("Neglect", {2020: 1, 2023: 2})
    ]
    assert years == [2020, 2023]


def test_a_reviews_themes_move_with_its_year_and_leave_with_it_as_the_counts_kept_say():
    """Recurring learning reads the reviews counted by theme and year (ThemeTally): a review
    published in another year than it was commissioned moves there, one withdrawn leaves,
    and a joint review of another partnership counts for each partnership of it."""
    neglect = make_theme("Neglect")
    make_review(commissioned_on=D(2024, 6, 1)).themes.add(neglect)  # 2024/25
    moved = make_review(commissioned_on=D(2024, 7, 1))
    moved.themes.add(neglect)

    def recurring(partnership=None) -> dict:
        assert counts.drift() == []
        partnership = partnership or default_partnership()
        partnership.refresh_from_db()  # the joint reviews shared with it
        themes, _ = selectors.recurring_themes(Scope.of([partnership]))
        return {theme.name: theme.reviews_by_year for theme in themes}

    assert recurring() == {}  # one year only: not recurring
    moved.published_on = D(2025, 5, 1)
    moved.save()
    assert recurring() == {"Neglect": {2024: 1, 2025: 1}}
    team = make_user("withdrawer", role=roles.PARTNERSHIP_TEAM)
    action_services.withdraw(actor=team, record=moved, reason="Logged in error")
    assert recurring() == {}
    other = make_partnership("other")
    theirs = make_review(partnership=other, published_on=D(2022, 5, 1))
    theirs.themes.add(make_theme("Neglect", partnership=other))
    share_review(theirs, default_partnership())
    assert recurring() == {"Neglect": {2022: 1, 2024: 1}}
    assert recurring(other) == {}  # theirs alone, in 2022/23
