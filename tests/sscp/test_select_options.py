"""A select's options are written in Python (sscp.templatetags.sscp.select_options), not by
a loop in its template: as Django writes them, every value and label escaped."""

from django import forms


class Choosing(forms.Form):
    agency = forms.ChoiceField(
        choices=[
            ("", "Any agency"),
            ("a&b", "Tom & <Jerry>"),
            ("7", "Hampshire Constabulary"),
            ("Health <trusts>", [("8", "Solent NHS Trust")]),
        ]
    )


def test_options_are_escaped_and_the_chosen_one_selected():
    select = str(Choosing({"agency": "7"})["agency"])
    assert '<option value="">Any agency</option>' in select
    assert '<option value="a&amp;b">Tom &amp; &lt;Jerry&gt;</option>' in select
    assert '<option value="7" selected>Hampshire Constabulary</option>' in select
    assert '<optgroup label="Health &lt;trusts&gt;">' in select
    assert '<option value="8">Solent NHS Trust</option>\n  </optgroup>' in select
    assert "<Jerry>" not in select
    assert select.count("<option") == 4
