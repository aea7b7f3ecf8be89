from django import forms

from search.engine import Words, words_in


class SearchForm(forms.Form):
    """The words a person searches for: anything may be typed; what has no word to
    search for is an empty search, not an error (search.engine.words_in)."""

    q = forms.CharField(label="Search", required=False, strip=True)

    def words(self) -> Words:
        typed = self.cleaned_data.get("q", "") if self.is_valid() else ""
        return words_in(typed)
