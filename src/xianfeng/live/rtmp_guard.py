"""Run a live's RTMP listener (ffmpeg) and stop it the moment a publisher names another
stream key: ffmpeg's listener only warns ("Unexpected stream …") and would take the stream.
Started detached by `ingest.spawn` as `python rtmp_guard.py ffmpeg …`; it imports nothing
of the project, so it runs without Django."""

from __future__ import annotations

import subprocess
import sys

REFUSED = 3


def main(argv: list[str]) -> int:
    process = subprocess.Popen(  # noqa: S603 (the command ingest built)
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    for raw in process.stderr:
        line = raw.decode("utf-8", "replace")
        sys.stderr.write(line)
        sys.stderr.flush()
        if "Unexpected stream" in line:
            # Before any media arrives: nothing of the stranger's stream is kept.
            process.kill()
            process.wait()
            sys.stderr.write("rtmp_guard: wrong stream key, listener stopped\n")
            return REFUSED
    return process.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
