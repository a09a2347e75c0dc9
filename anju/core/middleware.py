"""Language: Chinese unless the person chose English with the switch on the page.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a town clerk whose
phone is set to English would get English without asking. Pages here use only the choice saved by
the switch (the language cookie); API clients, which have no switch, may send Accept-Language.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in self.supported:
            chosen = None
        if chosen is None and request.path.startswith("/api/"):
            chosen = translation.get_language_from_request(request)
        language = chosen or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class SecurityHeadersMiddleware:
    """A Content-Security-Policy on every page, and `Cache-Control: no-store` on whatever a
    signed-in user or an API client receives: those pages and answers carry personal data, and a
    shared computer's cache or the back button must not show them to the next person. A view that
    set its own header keeps it; static files are served (by WhiteNoise) before this runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.ANJU_CSP and response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", settings.ANJU_CSP)
        if "Cache-Control" not in response and self._personal(request):
            response["Cache-Control"] = "no-store, private"
        return response

    @staticmethod
    def _personal(request) -> bool:
        if request.path.startswith("/api/"):
            return True
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)
