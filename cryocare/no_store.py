"""Pages for a logged-in user are never stored by the browser or a proxy: after log-out, the back
button of a shared computer must not show a patient's record from the browser's cache."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreForLoggedInMiddleware:
    """Static files never reach it (WhiteNoise answers them further up the stack)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
