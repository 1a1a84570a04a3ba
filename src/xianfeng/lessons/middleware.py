"""The player's watch report, answered inside sessions, CSRF and auth but before the rest.

A playing player reports every WATCH_REPORT_SECONDS (`POST /lessons/<id>/watch/`): the one
request whose rate decides how many people one box carries watching at once (issue 17).
Through the whole stack a report also paid for OTP's user wrapper, messages, htmx, input
cleaning and walking the URL patterns (lessons sit behind most of them): a profile of
2,000 reports put the walk alone at a tenth of a report's time, about as dear as the
progress write it exists for.

This middleware sits right after sessions, CSRF and auth (settings.MIDDLEWARE). For the
report's path only, it runs what those would run for the view (the CSRF check, exactly as
CsrfViewMiddleware.process_view does it) and then the same view, `lessons.views.watch`,
wrapped in the middleware below that a report's answer needs: the monthly-use note, the
`private, no-store` header, X-Frame-Options and the person's page version (their own lesson
page shows the progress). The request log names the route as for any request. Anything
else, and every report with the switch off (XF_WATCH_FAST_PATH=0), takes the whole stack.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import ResolverMatch, resolve, reverse

from xianfeng.common.middleware import PersonPageVersionMiddleware, PrivateNoStoreMiddleware
from xianfeng.people.services.use import MonthlyUseMiddleware


def _view(request: HttpRequest) -> HttpResponse:
    match = request.resolver_match
    assert match is not None
    return match.func(request, *match.args, **match.kwargs)  # type: ignore[no-any-return]


class WatchReportMiddleware:
    """POST /lessons/<id>/watch/: the view is called here (the module docstring says why
    and what still runs around it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)
        # Built like Django builds the chain: each layer answers its own exceptions (a 404
        # for a lesson the person may not watch) as a response the outer layers shape.
        handler: Any = convert_exception_to_response(_view)
        for layer in (
            PersonPageVersionMiddleware,
            XFrameOptionsMiddleware,
            PrivateNoStoreMiddleware,
            MonthlyUseMiddleware,
        ):
            handler = convert_exception_to_response(layer(handler))
        self.answer: Callable[[HttpRequest], HttpResponse] = handler
        self._pattern: re.Pattern[str] | None = None
        self._match: ResolverMatch | None = None

    def _report_path(self) -> re.Pattern[str]:
        if self._pattern is None:  # the URLconf is not loaded yet when middleware is built
            sample = reverse("lessons:watch", args=[987654321])
            self._match = resolve(sample)
            head, tail = sample.split("987654321")
            self._pattern = re.compile(f"{re.escape(head)}([1-9][0-9]{{0,17}}){re.escape(tail)}")
        return self._pattern

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not settings.WATCH_FAST_PATH:
            return self.get_response(request)
        found = self._report_path().fullmatch(request.path_info)
        if found is None:
            return self.get_response(request)
        template = self._match
        assert template is not None
        kwargs = {"pk": int(found.group(1))}
        request.resolver_match = ResolverMatch(
            template.func,
            (),
            kwargs,
            url_name=template.url_name,
            app_names=list[str | None](template.app_names),
            namespaces=list[str | None](template.namespaces),
            route=template.route,
        )
        refused = self.csrf.process_view(request, template.func, (), kwargs)
        if refused is not None:
            return refused
        return self.answer(request)
