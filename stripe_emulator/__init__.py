"""A Stripe-compatible API emulator for tests and demos (the subset sharedbuy uses).

Start one in-process with :func:`run_emulator`, or from a shell with
``python -m stripe_emulator``. Talk to it with the real ``stripe`` package
(``StripeClient(key, base_addresses={"api": emu.url})``). See README.md.
"""

from stripe_emulator.app import Emulator
from stripe_emulator.server import EmulatorServer, RunningEmulator, run_emulator
from stripe_emulator.webhooks import sign

__all__ = ["Emulator", "EmulatorServer", "RunningEmulator", "run_emulator", "sign"]
