"""``python -m stripe_emulator``: serve the emulator until interrupted."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from stripe_emulator.app import Emulator
from stripe_emulator.persistence import StateFileError
from stripe_emulator.resources.events import add_endpoint
from stripe_emulator.server import EmulatorServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m stripe_emulator",
        description="A Stripe-compatible API emulator (test mode only) on a loopback address.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=12111, help="port (default 12111, 0: any)")
    parser.add_argument("--webhook", action="append", default=[], metavar="URL",
                        help="deliver every event to URL (repeatable; env STRIPE_EMULATOR_WEBHOOK_URL)")
    parser.add_argument("--webhook-secret", metavar="whsec_...",
                        help="signing secret of the --webhook endpoints "
                             "(env STRIPE_EMULATOR_WEBHOOK_SECRET; default: generated and printed)")
    parser.add_argument("--webhook-retry-delays", default="1,2,4,8", metavar="SECONDS",
                        help="comma-separated waits before each retry of a failed delivery")
    parser.add_argument("--api-key", action="append", default=None, metavar="sk_test_...",
                        help="accept only these keys (repeatable; default: any sk_test_ key)")
    parser.add_argument("--ach-settle-seconds", type=float, default=None, metavar="SECONDS",
                        help="bank debits leave processing after this long "
                             "(default: only when POST /_emulator/settle is called)")
    parser.add_argument("--state", metavar="PATH", default=os.environ.get("STRIPE_EMULATOR_STATE"),
                        help="keep the state in this JSON file: loaded at start when it exists, written "
                             "after each change (env STRIPE_EMULATOR_STATE; default: in memory only)")
    parser.add_argument("--seed", type=int, default=None, help="make generated ids repeatable")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    delays = tuple(float(d) for d in args.webhook_retry_delays.split(",") if d.strip())
    try:
        emulator = Emulator(api_keys=tuple(args.api_key) if args.api_key else None, seed=args.seed,
                            retry_delays=delays, ach_settle_seconds=args.ach_settle_seconds, state_path=args.state)
    except StateFileError as error:
        print(f"cannot use the state file: {error}", file=sys.stderr)
        return 2
    urls = args.webhook or [u for u in [os.environ.get("STRIPE_EMULATOR_WEBHOOK_URL")] if u]
    secret = args.webhook_secret or os.environ.get("STRIPE_EMULATOR_WEBHOOK_SECRET")
    for url in urls:
        endpoint = add_endpoint(emulator.store, url, secret, static=True)
        print(f"webhook {endpoint['id']} -> {url} (secret {endpoint['secret']})", flush=True)
    server = EmulatorServer(emulator, args.host, args.port, args.verbose)
    if args.state:
        print(f"state kept in {args.state}", flush=True)
    print(f"stripe emulator listening on {server.url}", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill`: stop as on Ctrl+C (the state is written)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
