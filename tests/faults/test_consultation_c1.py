"""Online comments and imports racing on PostgreSQL (issue 15 item 5, issue 14): the consultation's row lock
(storage/repos/review.py lock_consultation) makes each submission see the ones committed before it, so the
per-client throttle holds exactly under concurrency, a double click is kept once, and two imports of the same
export at once record each comment once. Real PostgreSQL 15 on loopback (the shared pg fixture), stopped after."""
from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from documents.problems import Refused
from tests.support.homes import shared_home


def test_concurrent_online_comments_and_imports_on_postgresql_keep_the_throttle_and_record_once(pg, tmp_path,
                                                                                              sample_zip):
    from services.dossiers.intake import intake_bundle
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from services.review import consultation as cons
    url = pg.create_database(f"consult_{uuid.uuid4().hex[:12]}")
    home = shared_home(tmp_path / "home", url, tmp_path / "objects")
    initialise(Home(home.path))
    svc = open_services(Home(home.path))
    d = intake_bundle([sample_zip(kind="重大行政决策", doc_number="根政发〔2019〕9号")], "drafter", svc).dossier
    today = svc.now().astimezone().date()
    cons.open_consultation(svc, d, today, today + dt.timedelta(days=29), "drafter")

    clients = [f"10.7.0.{i}" for i in range(1, 9)]
    jobs = [(ip, f"意见 {ip} 第{k}条") for k in range(7) for ip in clients]        # 56: 7 per client
    jobs += [(clients[0], f"意见 {clients[0]} 第0条")] * 3                       # a double click, thrice

    def send(job):
        ip, text = job
        try:
            r = cons.submit_online_comment(svc, d, "", "", text, ip)
            return ip, text, "dup" if r.duplicate else "ok"
        except Refused as e:
            return ip, text, e.problem.code

    rows = [{"author": f"人{i}", "text": f"来信{i}", "received_on": str(today)} for i in range(20)]

    def imports(_):
        return cons.record_comments(svc, d, rows, "drafter", "来信.csv").duplicates

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(send, jobs))
        skipped = list(pool.map(imports, range(3)))
    outcomes = Counter(code for _, _, code in results)
    assert set(outcomes) <= {"ok", "dup", "too_many_requests"}, outcomes
    taken = Counter(ip for ip, _, code in results if code == "ok")
    assert all(taken[ip] == 5 for ip in clients), taken
    v = cons.view(svc, d)
    online = [x for x in v.items if x.source == "online"]
    assert len(online) == len({x.text for x in online}) == 40
    assert {x.text for x in online} == {text for _, text, code in results if code == "ok"}
    assert sorted(skipped) == [0, 20, 20] and v.comments == 20          # one import recorded them, once
