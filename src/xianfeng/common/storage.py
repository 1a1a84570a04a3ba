"""The storages, by what may reach them.

- `private_storage()`: files no URL maps to (source videos, roster uploads with ID numbers,
  meeting photos and sign-in sheet scans); read only through views that check the person.
- The default storage holds transcoded media, private too: served only through signed
  URLs (media/delivery.py).

A FileField takes the callable (`storage=private_storage`), so tests and settings can swap
the storage without the field holding an old one.
"""

from __future__ import annotations

from django.core.files.storage import Storage, storages


def private_storage() -> Storage:
    return storages["private"]
