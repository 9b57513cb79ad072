"""A tiny method-and-path router: ``/v1/transfers/{id}/reversals`` style patterns."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]


class Router:
    """Routes ``(method, path)`` to a handler and the path's variables."""

    def __init__(self, routes: list[tuple[str, str, Handler]]) -> None:
        self._routes = [
            (method, re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$"),
             handler)
            for method, pattern, handler in routes
        ]

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for route_method, regex, handler in self._routes:
            found = regex.match(path)
            if found and route_method == method:
                return handler, found.groupdict()
        return None
