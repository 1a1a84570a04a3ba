"""QR codes as data: URIs for an <img> (the CSP allows `img-src data:`): a secret shown once
(a set-password link, an authenticator key) or a rotating sign-in code never sits behind a
URL of its own. Every app draws its QR codes here."""

from __future__ import annotations

import base64
import io

import qrcode


def qr_png(text: str, *, box_size: int = 8, border: int = 2) -> bytes:
    qr = qrcode.QRCode(
        border=border, box_size=box_size, error_correction=qrcode.constants.ERROR_CORRECT_M
    )
    qr.add_data(text)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def qr_data_uri(text: str, *, box_size: int = 8) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(text, box_size=box_size)).decode(
        "ascii"
    )
