from django.shortcuts import render
from django.views.decorators.http import require_GET

from search import selectors
from search.forms import SearchForm
from sscp.pagination import page_of, query_without_page


@require_GET
def search(request):
    """Reviews, recommendations, actions and learning activities of the partnership with
    the words typed."""
    form = SearchForm(request.GET)
    words = form.words()
    page = results = None
    cut_short = []
    if words:
        matched = selectors.with_words(request.scope, words)
        page = page_of(request, selectors.found(matched, words))
        results = selectors.results(request.scope, words, page.object_list)
        if page.paginator.count >= selectors.RANKED_AT_MOST:  # a kind may have reached it
            cut_short = selectors.cut_short(request.scope, matched)
    return render(
        request,
        "search/results.html",
        {
            "form": form,
            "words": words,
            "page": page,
            "results": results,
            "query": query_without_page(request.GET).urlencode(),
            "ranked_at_most": selectors.RANKED_AT_MOST,
            "cut_short": cut_short,
        },
    )
