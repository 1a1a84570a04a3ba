"""`make run` collects static files with the manifest storage, which refuses a file that
references a missing one (a source map, a font): collect them here as it does."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_with_the_production_storage(settings, tmp_path):
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0, stdout=io.StringIO())
    manifest = (tmp_path / "staticfiles.json").read_text()
    for name in (
        "vendor/htmx.min.js",
        "vendor/hls.min.js",
        "vendor/tus.min.js",
        "xianfeng/app.css",
        "lessons/player.js",
        "media/upload.js",
    ):
        assert f'"{name}"' in manifest
