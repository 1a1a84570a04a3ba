"""Faults survived with nothing lost, on real processes: the web server SIGKILLed in the
middle of a flood of writes, database connections dropped under the running server (on
PostgreSQL), the disk filling up while an upload is written."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from tests.ops.installs import make_install, on_postgres, query, serve

HERE = Path(__file__).resolve().parent


@pytest.fixture
def prepared(tmp_path):
    install = make_install(tmp_path, "live", migrated=True)
    facts = json.loads(install.python(HERE / "prepare.py").strip().splitlines()[-1])
    yield install, facts["token"], facts["lesson"], facts["draft"]
    install.drop()


@pytest.mark.slow
def test_web_server_killed_mid_flood_keeps_every_answered_write(prepared):
    install, token, lesson, _ = prepared
    server = serve(install)
    answered: list[str] = []  # texts whose request got a 2xx
    failed: list[str] = []
    stop = threading.Event()

    def flood(worker: int) -> None:
        n = 0
        while not stop.is_set():
            text = f"洪水评论 {worker}-{n}"
            n += 1
            try:
                status, _body = server.request(
                    "POST", f"/api/v1/lessons/{lesson}/comments", {"text": text}, token=token
                )
            except OSError:
                failed.append(text)
                if server.proc.poll() is not None:
                    return
                continue
            (answered if 200 <= status < 300 else failed).append(text)

    threads = [threading.Thread(target=flood, args=(i,)) for i in range(4)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 90
        while len(answered) < 60:
            assert time.monotonic() < deadline, f"only {len(answered)} writes answered"
            time.sleep(0.02)
        server.kill()  # SIGKILL, mid-flood: requests are in flight
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        server.stop()
    rows = query(install, "SELECT text FROM lessons_comment WHERE text LIKE '洪水评论 %'")
    stored = [text for (text,) in rows]
    assert len(stored) == len(set(stored))  # nothing written twice
    assert set(answered) <= set(stored)  # every answered write is there
    assert len(stored) - len(answered) <= 4  # at most the ones in flight, unanswered

    # Started again on the same files, the server answers and writes.
    again = serve(install)
    try:
        status, body = again.request(
            "POST", f"/api/v1/lessons/{lesson}/comments", {"text": "重启后的评论"}, token=token
        )
        assert status == 200, body
    finally:
        again.stop()
    if install.target.vendor == "sqlite":
        assert query(install, "PRAGMA integrity_check") == [("ok",)]


def can_unshare() -> bool:
    import shutil
    import subprocess

    if not shutil.which("unshare"):
        return False
    done = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    return done.returncode == 0


def tus(server, method: str, path: str, token: str, body: bytes = b"", **headers: str):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request(
            method,
            path,
            body=body,
            headers={
                "Tus-Resumable": "1.0.0",
                "Authorization": f"Bearer {token}",
                **{k.replace("_", "-"): v for k, v in headers.items()},
            },
        )
        response = conn.getresponse()
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read().decode(),
        )
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.skipif(not can_unshare(), reason="needs a private mount namespace (unshare -rm)")
def test_disk_full_during_an_upload_says_so_and_the_upload_resumes(prepared):
    import base64
    import hashlib
    import os

    install, token, _, draft = prepared
    uploads = install.var / "uploads"
    uploads.mkdir()
    # The server alone sees a 1 MiB disk at its upload folder (a tmpfs in its own mount
    # namespace); the test reaches that disk through /proc/<pid>/root.
    server = serve(
        install,
        prefix=[
            "unshare",
            "-rm",
            "sh",
            "-c",
            'mount -t tmpfs -o size=1m tmpfs "$0" && exec "$@"',
            str(uploads),
        ],
        XF_UPLOAD_DIR=str(uploads),
        XF_TASKS="db",
    )
    try:
        disk = Path(f"/proc/{server.proc.pid}/root") / str(uploads).lstrip("/")
        ballast = disk / "ballast"
        ballast.write_bytes(b"\0" * (1024 * 1024 - 450 * 1024))
        data = os.urandom(600 * 1024)
        chunk = 200 * 1024
        meta = ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}"
            for k, v in {
                "filename": "微党课.mp4",
                "filetype": "video/mp4",
                "target_kind": "lesson",
                "target_id": str(draft),
            }.items()
        )
        status, headers, body = tus(
            server,
            "POST",
            "/media-api/uploads/",
            token,
            Upload_Length=str(len(data)),
            Upload_Metadata=meta,
        )
        assert status == 201, body
        url = headers["location"]
        patch = {"Content_Type": "application/offset+octet-stream"}
        status, headers, body = tus(
            server, "PATCH", url, token, data[:chunk], Upload_Offset="0", **patch
        )
        assert (status, headers["upload-offset"]) == (204, str(chunk)), body
        # The second chunk does not fit: a clear message, and what was stored stays.
        status, headers, body = tus(
            server, "PATCH", url, token, data[chunk : 2 * chunk], Upload_Offset=str(chunk), **patch
        )
        assert (status, headers["upload-offset"]) == (507, str(chunk))
        assert body == "服务器存储空间已满，这一段没有保存；已收到的部分不会丢失，请稍后继续上传"
        status, headers, _ = tus(server, "HEAD", url, token)
        assert (status, headers["upload-offset"]) == (200, str(chunk))
        # Space is freed; the client resumes where the server says and finishes.
        ballast.unlink()
        for start in (chunk, 2 * chunk):
            status, headers, body = tus(
                server,
                "PATCH",
                url,
                token,
                data[start : start + chunk],
                Upload_Offset=str(start),
                **patch,
            )
            assert (status, headers["upload-offset"]) == (204, str(start + chunk)), body
    finally:
        server.stop()
    ((source,),) = query(install, "SELECT source FROM media_video")
    stored = install.var / "private" / source
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert query(install, 'SELECT status, "offset", length FROM media_upload') == [
        ("complete", len(data), len(data))
    ]


@pytest.mark.slow
@pytest.mark.skipif(not on_postgres(), reason="PostgreSQL only (the suite's PostgreSQL run)")
def test_postgresql_restarted_under_load_the_server_recovers_by_itself(prepared):
    """A PostgreSQL restart as the web process sees it: every connection it holds is cut,
    new ones are refused for a while, then accepted again. The server talks to PostgreSQL
    through a TCP proxy that the test takes down and brings back (the shared PostgreSQL of
    the other test runs is not restarted). No request is answered 2xx without its write,
    the outage answers 503 in Chinese (not a 500 page), and the same process serves again
    once the database is back: no restart of the web server."""
    from tests.ops.tcpproxy import Proxy

    install, token, lesson, _ = prepared
    target = install.target
    proxy = Proxy(target.host or "127.0.0.1", int(target.port or 5432))
    via_proxy = install.url.replace(f"@{target.host}:{target.port}/", f"@127.0.0.1:{proxy.port}/")
    server = serve(install, XF_DATABASE_URL=via_proxy)
    answered: list[str] = []
    refused: list[tuple[int, object]] = []
    stop = threading.Event()

    def flood(worker: int) -> None:
        n = 0
        while not stop.is_set():
            text = f"断线评论 {worker}-{n}"
            n += 1
            status, body = server.request(
                "POST", f"/api/v1/lessons/{lesson}/comments", {"text": text}, token=token
            )
            (answered.append(text) if status == 200 else refused.append((status, body)))

    def wait_for(condition, what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.02)

    threads = [threading.Thread(target=flood, args=(i,)) for i in range(2)]
    try:
        for thread in threads:
            thread.start()
        wait_for(lambda: len(answered) >= 20, "writes before the restart")
        for _ in range(2):  # restarted twice: the second outage finds fresh connections
            assert proxy.down() >= 1, "the server held no database connection"
            before = len(refused)
            wait_for(lambda b=before: len(refused) >= b + 4, "requests during the outage")
            proxy.up()
            ok = len(answered)
            wait_for(lambda o=ok: len(answered) >= o + 20, "writes after the restart")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    try:
        assert server.proc.poll() is None  # the same process all along
        status, body = server.request("GET", "/healthz")
        assert body["database"] == "ok", body
        status, body = server.request("GET", f"/api/v1/lessons/{lesson}/comments", token=token)
        assert status == 200, body
    finally:
        server.stop()
        proxy.close()
    stored = {t for (t,) in query(install, "SELECT text FROM lessons_comment")}
    assert set(answered) <= stored
    # The outage answers 503 with a Chinese reason, never a bare 500.
    assert {status for status, _ in refused} == {503}
    assert {body["detail"] for _, body in refused} == {
        "暂时无法连接数据库，这次操作可能没有完成；请稍后刷新确认，再重新提交"
    }
    assert proxy.refused >= 1  # new connections were refused while it was down
