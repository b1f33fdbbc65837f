"""A test-only hook: die at a named point, as a power cut or `kill -9` would.

Fault tests (tests/faults/) set LOCKSTEP_TEST_CRASH_AT=<name> in a subprocess's environment; the
process then kills itself with SIGKILL when it reaches `crash_point(<name>)`. Nothing else reads
the variable and no code path depends on it: unset (always, outside those tests), a crash point
does nothing.
"""
from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("LOCKSTEP_TEST_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
