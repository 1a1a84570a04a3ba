"""The demo transfers: seeded on a demo county, visible to the secretary persona."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from xianfeng.people.models import User
from xianfeng.transfers import demo
from xianfeng.transfers.enums import TransferState
from xianfeng.transfers.models import Transfer
from xianfeng.transfers.selectors import transfer_list

pytestmark = pytest.mark.django_db


def test_demo_transfers_seed_on_the_demo_county():
    call_command("seed_demo", "--members", "1500", "--no-content", stdout=io.StringIO())
    assert demo.seed() == "组织关系转接 4 件（已接收 1、待接收 3，含转出系统外 1）。"
    states = sorted(Transfer.objects.values_list("state", flat=True))
    assert states == [TransferState.ACCEPTED, *[TransferState.PENDING] * 3]
    assert Transfer.objects.filter(direction="out", to_org=None).count() == 1
    secretary = User.objects.get(username="secretary")
    assert transfer_list(secretary).count() == 4
    overdue = Transfer.objects.filter(reminded_at__isnull=False)
    assert overdue.count() == 1
