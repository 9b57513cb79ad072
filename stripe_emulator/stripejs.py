"""A small test double of Stripe.js (``https://js.stripe.com/v3/``), served at ``/v3/``.

The product's pay page loads Stripe.js from a configured address; pointed at the emulator, it
gets this double instead: ``Stripe(pk)``, ``elements().create("card")``, ``mount``, ``on``,
``confirmCardPayment``, ``retrievePaymentIntent``, ``collectBankAccountForPayment`` and
``confirmUsBankAccountPayment``. As in Stripe.js, the card fields live in an iframe served
from the emulator's origin (``/v3/elements/card.html``), which makes the PaymentMethod itself,
so card numbers never reach the merchant's page; the page's script then confirms the intent
with its ``client_secret`` and the publishable key (``POST /v1/payment_intents/{id}/confirm``).
"""

from __future__ import annotations

from importlib import resources

from stripe_emulator.app import Response

FILES = {
    "": ("v3.js", "application/javascript; charset=utf-8"),
    "elements/card.html": ("card.html", "text/html; charset=utf-8"),
    "elements/bank.html": ("bank.html", "text/html; charset=utf-8"),
    "elements/frame.js": ("frame.js", "application/javascript; charset=utf-8"),
    "elements/frame.css": ("frame.css", "text/css; charset=utf-8"),
}


def stripe_js(path: str) -> Response:
    """The file of ``GET /v3/...`` (a query string is ignored), or a 404."""
    name = path.split("?", 1)[0].split("#", 1)[0].removeprefix("/v3").lstrip("/")
    found = FILES.get(name)
    if found is None:
        return Response(404, b"Not found\n", {"Content-Type": "text/plain; charset=utf-8"})
    filename, content_type = found
    body = resources.files("stripe_emulator").joinpath("stripejs_files", filename).read_bytes()
    return Response(200, body, {"Content-Type": content_type, "Cache-Control": "no-cache",
                                "Access-Control-Allow-Origin": "*"})
