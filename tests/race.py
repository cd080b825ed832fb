"""The one race harness: n threads released together by a barrier, each on its own database
connection (closed after), their outcomes returned in thread order. Used through the `race`
fixture (tests/conftest.py), which also skips off PostgreSQL."""

import threading

from django.db import connection


class Outcome:
    """What one racer got: `value` when it returned, `error` when it raised."""

    __slots__ = ("error", "value")

    def __init__(self, value=None, error=None):
        self.value, self.error = value, error

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def code(self):
        """The error's ApplicationError code (or its class name); None when it returned."""
        return None if self.error is None else getattr(self.error, "code", type(self.error).__name__)

    def __repr__(self):
        return f"Outcome(ok, {self.value!r})" if self.ok else f"Outcome(error, {self.code})"


def run_race(fn, n=2, timeout=30) -> list[Outcome]:
    barrier = threading.Barrier(n)
    outcomes: list[Outcome | None] = [None] * n

    def runner(i):
        try:
            barrier.wait(timeout=10)
            outcomes[i] = Outcome(value=fn(i))
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test compares
            outcomes[i] = Outcome(error=exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert all(o is not None for o in outcomes), "a racer did not finish in time"
    return outcomes
