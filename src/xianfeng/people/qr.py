"""QR codes as data: URIs for an <img> (the CSP allows `img-src data:`), so a secret that
is shown once (a set-password link, an authenticator key) never sits behind a URL."""

from __future__ import annotations

import base64
import io

import qrcode


def qr_data_uri(text: str) -> str:
    qr = qrcode.QRCode(border=2, box_size=8, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
