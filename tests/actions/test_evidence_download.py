import pytest
from django.urls import reverse

from tests.files import ACCEPTED
from tests.makers import SLUG, agency_of, make_action, make_evidence

pytestmark = pytest.mark.django_db


def test_a_download_is_an_attachment_that_browsers_will_not_run(client_for, lead_a):
    evidence = make_evidence(
        make_action(agency=agency_of(lead_a)), name="chart.png", content=ACCEPTED["chart.png"]
    )
    response = client_for(lead_a).get(reverse("evidence-download", args=[SLUG, evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == ACCEPTED["chart.png"]
    assert response["Content-Disposition"] == 'attachment; filename="chart.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "no-store"


def test_the_download_name_is_the_cleaned_original_name(client_for, lead_a):
    evidence = make_evidence(make_action(agency=agency_of(lead_a)), name="Audit «final».pdf")
    response = client_for(lead_a).get(reverse("evidence-download", args=[SLUG, evidence.pk]))
    assert "filename*=utf-8''Audit%20%C2%ABfinal%C2%BB.pdf" in response["Content-Disposition"]


def test_stored_files_are_not_served_by_any_url(client_for, lead_a, settings):
    evidence = make_evidence(make_action(agency=agency_of(lead_a)))
    client = client_for(lead_a)
    for prefix in ["/media/", "/evidence/", "/static/", "/"]:
        assert client.get(prefix + evidence.file.name).status_code == 404
