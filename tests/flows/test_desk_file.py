"""desk.json, the file a serving desk names itself in, is never seen empty or half-written: it is
written beside its place and renamed in; a reader takes a missing or partial file as "no desk"."""
from __future__ import annotations

import json
import os
import stat
import threading

from flows.handoff import DESK_FILE, desk_of, write_desk_file


def test_a_reader_never_sees_desk_json_empty_or_cut_short_while_the_desk_rewrites_it(tmp_path):
    info = {"url": "http://127.0.0.1:1", "pid": os.getpid(), "token": "t" * 400}
    write_desk_file(tmp_path, info)
    done, seen, bad = threading.Event(), [0], []

    def rewrite():
        for n in range(400):
            write_desk_file(tmp_path, {**info, "url": f"http://127.0.0.1:{n + 2}"})
        done.set()

    writer = threading.Thread(target=rewrite)
    writer.start()
    try:
        while not done.is_set() or seen[0] == 0:
            text = (tmp_path / DESK_FILE).read_text()
            try:
                assert json.loads(text)["token"] == info["token"]
            except (ValueError, KeyError, AssertionError):
                bad.append(text)
            seen[0] += 1
    finally:
        writer.join(30)
    assert not bad, bad[:3]
    assert desk_of(tmp_path)["url"] == "http://127.0.0.1:401"
    assert stat.S_IMODE((tmp_path / DESK_FILE).stat().st_mode) == 0o600      # it holds the hand-off token
    assert [p.name for p in tmp_path.iterdir()] == [DESK_FILE]                # no temporary file left behind


def test_a_missing_empty_or_partial_desk_json_is_no_desk(tmp_path):
    assert desk_of(tmp_path) is None
    whole = json.dumps({"url": "http://127.0.0.1:1", "pid": os.getpid(), "token": "x"})
    for text in ("", whole[:len(whole) // 2], "[]", "null", '{"url": "http://127.0.0.1:1"}', whole[:-1]):
        (tmp_path / DESK_FILE).write_text(text)
        assert desk_of(tmp_path) is None, text
    (tmp_path / DESK_FILE).write_text(whole)
    assert desk_of(tmp_path)["pid"] == os.getpid()
