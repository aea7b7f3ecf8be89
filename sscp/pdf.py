"""Documents as PDF, drawn by WeasyPrint from a template: a review's meeting pack and its
summary for publication, downloaded for the board and the SILG.

WeasyPrint fetches nothing: every style is in the template, and any other address a page
names (an image, a stylesheet) is refused, so no text a person wrote can make the server
reach out. It draws with the machine's own fonts (Debian's DejaVu here; docs/operations.md).
"""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from weasyprint import HTML


def _fetch_nothing(url: str, *args, **kwargs):
    raise ValueError(f"A PDF fetches nothing: {url[:80]}")


def pdf_document(template: str, context: dict) -> bytes:
    """The template drawn as a PDF: its pages, numbered as its stylesheet says."""
    html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=_fetch_nothing).write_pdf()


def pdf_response(document: bytes, filename: str) -> HttpResponse:
    """A PDF as a download that no browser runs in the page, and that is not kept."""
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "no-store"
    return response
