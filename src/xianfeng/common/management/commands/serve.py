"""Start the whole system in the foreground: the web server (granian, WSGI) and the task
worker(s), until Ctrl-C. `make run` calls this after migrating and seeding."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from xianfeng.common import demo
from xianfeng.common.env import env_int, env_str


class Command(BaseCommand):
    help = "启动网站（granian）和后台任务进程，Ctrl-C 停止"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=env_str("XF_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=env_int("XF_PORT", 8000, minimum=1))
        parser.add_argument("--workers", type=int, default=env_int("XF_WEB_WORKERS", 2, minimum=1))
        parser.add_argument("--no-worker", action="store_true", help="只启动网站")

    def handle(
        self, *args: Any, host: str, port: int, workers: int, no_worker: bool, **opts: Any
    ) -> None:
        python = sys.executable
        manage = str(settings.REPO_DIR / "manage.py")
        env = {**os.environ, "PYTHONPATH": str(settings.REPO_DIR / "src")}
        web = [
            python,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "xianfeng.wsgi:application",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
            # Field notes: granian's default thread pool grows to 30-40 threads per
            # worker on 2 cores and p99 suffers; 4 threads do better.
            "--blocking-threads",
            str(env_int("XF_WEB_THREADS", 4, minimum=1)),
            # granian's backpressure caps the *connections* a worker holds, not requests in
            # flight: an idle keep-alive connection keeps its slot. At 8 a worker, 16
            # keep-alive clients (phones, a proxy's upstream pool) left the 17th waiting in
            # the listen backlog until one hung up, and it timed out unanswered (55-66 of
            # 9,600 claims in benchmarks/community.py). The threads above bound the work.
            "--backpressure",
            str(env_int("XF_WEB_BACKPRESSURE", 256, minimum=1)),
            "--no-ws",
        ]
        # Counters of a previous run's processes would be added to this run's (ops/metrics).
        for stale in settings.METRICS_DIR.glob("*.db"):
            stale.unlink(missing_ok=True)
        # Fixed argument lists of our own programs, no shell.
        procs: list[tuple[str, subprocess.Popen[bytes]]] = [("web", subprocess.Popen(web, env=env))]  # noqa: S603
        if not no_worker and settings.TASKS_MODE != "immediate":
            for queues in worker_queue_sets():
                cmd = [python, manage, "xf_worker", "--queues", queues]
                procs.append((f"worker[{queues}]", subprocess.Popen(cmd, env=env)))  # noqa: S603
        self.stdout.write(self.style.SUCCESS(f"\n先锋已启动：http://{host}:{port}/\n"))
        for banner in demo.banners():
            self.stdout.write(banner)
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        code = 0
        while not stopping:
            for name, proc in procs:
                if proc.poll() is not None:
                    self.stderr.write(f"{name} 已退出（{proc.returncode}），正在停止全部进程")
                    stopping, code = True, proc.returncode or 1
                    break
            time.sleep(0.5)
        for _name, proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for _name, proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        sys.exit(code)


def worker_queue_sets() -> list[str]:
    """Which worker processes to start: XF_WORKER_QUEUES is a ';'-separated list of
    comma-separated queue sets, one process each."""
    raw = env_str("XF_WORKER_QUEUES", "default;media")
    return [part.strip() for part in raw.split(";") if part.strip()]
