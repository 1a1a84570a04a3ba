"""manage.py remote_device_token SITE_CODE [--label …]: a new device token, printed once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xianfeng.remote.models import Site
from xianfeng.remote.services import device_token_issue


class Command(BaseCommand):
    help = "为站点生成一个新的设备令牌（只显示这一次），用于批量预置终端"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("site_code", help="站点编码")
        parser.add_argument("--label", default="批量预置终端", help="设备名称")

    def handle(self, *args: Any, **options: Any) -> None:
        site = Site.objects.filter(code=options["site_code"]).first()
        if site is None:
            raise CommandError(f"找不到站点编码“{options['site_code']}”")
        _, key = device_token_issue(actor=None, site=site, label=options["label"])
        self.stdout.write(key)
