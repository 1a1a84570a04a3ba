#!/usr/bin/env python3
"""Copy the front-end libraries installed by `npm ci` into build/vendor/ (served as
/static/vendor/). The list is the single place a new library is added."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
OUT = ROOT / "build" / "vendor"

# package -> (file inside the package, name under /static/vendor/)
FILES: dict[str, list[tuple[str, str]]] = {
    "htmx.org": [("dist/htmx.min.js", "htmx.min.js")],
    # The source maps go along: the minified files name them, and collectstatic's manifest
    # storage refuses a file whose references are missing.
    "hls.js": [("dist/hls.min.js", "hls.min.js"), ("dist/hls.min.js.map", "hls.min.js.map")],
    # Dashboards: the "simple" build (line, bar, pie charts; canvas), loaded only there.
    "echarts": [("dist/echarts.simple.min.js", "echarts.simple.min.js")],
    "tus-js-client": [("dist/tus.min.js", "tus.min.js"), ("dist/tus.min.js.map", "tus.min.js.map")],
    # The article editor (study): Quill's full build and its "snow" theme; the page's own
    # script turns a plain <textarea> into the editor, and the server sanitises what it sends.
    "quill": [
        ("dist/quill.js", "quill.js"),
        ("dist/quill.js.map", "quill.js.map"),
        ("dist/quill.snow.css", "quill.snow.css"),
        ("dist/quill.snow.css.map", "quill.snow.css.map"),
    ],
    # /api/v1/docs: Swagger UI served from our own static files (the CSP allows no CDN).
    "swagger-ui-dist": [
        ("swagger-ui-bundle.js", "swagger-ui-bundle.js"),
        ("swagger-ui.css", "swagger-ui.css"),
        ("swagger-ui.css.map", "swagger-ui.css.map"),
    ],
}


def main() -> int:
    declared = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]
    missing = [name for name in declared if name not in FILES]
    if missing:
        print(f"build_vendor: no file list for {', '.join(missing)}", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    for package, files in FILES.items():
        for source, target in files:
            path = NODE / package / source
            if not path.exists():
                print(f"build_vendor: {path} is missing; run `npm ci` first", file=sys.stderr)
                return 1
            shutil.copyfile(path, OUT / target)
            print(f"vendor/{target} <- {package}/{source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
