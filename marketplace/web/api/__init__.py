"""The JSON API, ``/api/v1``: the same resources and access rules as the pages, for an
alliance's own tools (token authentication, documented by ``/api/v1/openapi.json``)."""

from marketplace.web.api import (  # noqa: F401  (each module registers its routes on bp)
    approvals,
    catalog,
    cycles,
    directory,
    documents,
    inbox,
    need_files,
    needs,
    openapi,
    orders,
    payments,
    plans,
    runs,
    shares,
)
from marketplace.web.api.base import bp

__all__ = ["bp"]
