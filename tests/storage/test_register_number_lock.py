"""What a registration number holds locked (issue 12, item 2: numbers taken after the slow work).

The register's number comes from a locking counter row (storage/counters.py), held until the commit.
The documents are read, converted and the pages rendered (with a mark where the number goes) before
it is taken; after it come only the mark's replacement, the pages' `put`, the rows written and the
gazette item's own counter.
"""
from __future__ import annotations

import re

from sqlalchemy import event

from services.publication.publish import NUMBER_MARK, publish
from services.review.actions import record_sign_off
from tests.storage.test_outbox import ready_dossier


def test_the_registration_number_is_taken_after_the_pages_are_rendered(svc, sample_zip):
    d = ready_dossier(svc, sample_zip())
    record_sign_off(svc, d, "signer")
    seen: list[str] = []

    def statement(conn, cursor, sql, params, context, executemany):
        seen.append(" ".join(sql.split()))

    store = svc.store
    real_get, real_put = store.get, store.put

    def get(sha, *args, **kwargs):
        seen.append("GET")
        return real_get(sha, *args, **kwargs)

    def put(data, *args, **kwargs):
        seen.append("PUT")
        return real_put(data, *args, **kwargs)

    event.listen(svc.engine, "before_cursor_execute", statement)
    event.listen(svc.engine, "commit", lambda conn: seen.append("COMMIT"))
    store.get, store.put = get, put
    try:
        done = publish(svc, d, "signer")
    finally:
        event.remove(svc.engine, "before_cursor_execute", statement)
        del store.get, store.put
    take = next(i for i, sql in enumerate(seen)
                if sql.startswith("UPDATE counters") and "GET" in seen[:i])            # the register's
    after = seen[take + 1:seen.index("COMMIT", take)]
    assert "GET" not in after, [x for x in after if not x.startswith(("INSERT", "UPDATE"))]
    assert not any(re.search(r"\bFROM (dossiers|versions|version_files|decisions|derived_objects)\b", sql)
                   for sql in after if sql.startswith("SELECT")), after
    assert "PUT" in after                       # the pages carry the number, so they are stored after it
    policy_page = (svc.home.site / f"policies/{d}.html").read_text(encoding="utf-8")
    assert done.registration_number in policy_page and NUMBER_MARK not in policy_page
