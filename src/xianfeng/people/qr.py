"""QR codes live in common/qr.py; this name stays for the people pages that import it."""

from __future__ import annotations

from xianfeng.common.qr import qr_data_uri

__all__ = ["qr_data_uri"]
