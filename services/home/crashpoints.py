"""A test-only hook: die at a named point, as a power cut or `kill -9` would.

Fault tests (tests/faults/) set LOCKSTEP_TEST_CRASH_AT=<name> in a subprocess's environment; the
process then kills itself with SIGKILL when it reaches `crash_point(<name>)`. Nothing else reads
the variable and no code path depends on it: unset (always, outside those tests), a crash point
does nothing. `LOCKSTEP_TEST_CRASH_AT=fail:<name>` raises instead (CrashPointFault, a fault of
Lockstep's own that no code expects), so a test can show what an unforeseen error at that point leaves.
`stop:<name>` stops the process there (SIGSTOP) until the test continues it (SIGCONT): a race's other
side runs in between.
"""
from __future__ import annotations

import os
import signal


class CrashPointFault(RuntimeError):
    """Raised at a crash point named with fail: (tests only)."""


def crash_point(name: str) -> None:
    at = os.environ.get("LOCKSTEP_TEST_CRASH_AT")
    if at == name:
        os.kill(os.getpid(), signal.SIGKILL)
    elif at == f"fail:{name}":
        raise CrashPointFault(f"test fault at {name}")
    elif at == f"stop:{name}":
        os.kill(os.getpid(), signal.SIGSTOP)    # the test sends SIGCONT when it has done its part
