import pytest
from django.test import Client
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

def tok(client, username):
    r = client.post("/api/v1/auth/token", {"username": username, "password": PASSWORD}, content_type="application/json")
    return r.json()["token"]

def test_probe(county):
    c = Client(raise_request_exception=False)
    t = tok(c, "secretary_a1")
    h = {"HTTP_AUTHORIZATION": f"Bearer {t}"}
    s = Client(enforce_csrf_checks=True, raise_request_exception=False)
    for url in ["/api/v1/meetings/compliance?year=-1", "/api/v1/meetings/compliance?year=99999",
                "/api/v1/meetings/compliance/A1?year=99999", "/api/v1/meetings/ledger/A1/99999",
                "/api/v1/lessons/?series=1180591620717411303424", "/lessons/?series=1180591620717411303424",
                "/api/v1/lessons/99999999999999999999999", "/api/v1/meetings/?year=99999",
                "/api/v1/contests/99999999999999999999999",
                ]:
        r = c.get(url, **h)
        print(url, r.status_code, r.content[:200])
    c.force_login(county.secretary_a1)
    for url in ["/meetings/compliance/A1/?year=-1", "/meetings/compliance/A1/?year=99999", "/meetings/ledger/A1/99999.xlsx", "/meetings/compliance/?year=99999", "/meetings/list/?year=99999"]:
        r = c.get(url)
        print(url, r.status_code, r.content[:100])
    r = s.post("/api/v1/notifications/read", {}, content_type="application/json", **h)
    print("csrf", r.status_code, r.content)
    r = c.post("/api/v1/notifications/read", {"ids": [2**64]}, content_type="application/json", **h)
    print("bigid", r.status_code, r.content[:300])
    r = c.post("/api/v1/meetings/", {"ids": [2**64]}, content_type="application/json", **h)
    print("422", r.status_code, r.content[:600])
    r = c.get("/api/v1/members/", )
    print("401", r.status_code, r.content[:600])
