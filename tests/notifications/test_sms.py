"""What travellers are told outside the web app: when SETRAG cancels a train, every booking's contact phone gets a
text message (through the notifications service and the SMS gateway's simulator), and when the refund a cancelled
booking owed is paid back, another one.

Run against a running platform (script/test does): SETRAG_BASE_URL and the instance's environment
(script/lib/env.sh: SETRAG_SMS_SIMULATOR_PORT, SETRAG_EBILLING_SIMULATOR_PORT).
"""
from __future__ import annotations

import datetime
import os
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent.parent / "oauth"))
from oauth_support import CUSTOMER, http, load_platform, sign_in  # noqa: E402

LIBREVILLE = datetime.timezone(datetime.timedelta(hours=1))


@pytest.fixture(scope="module")
def platform():
    return load_platform()


@pytest.fixture(scope="module")
def sms() -> str:
    port = os.environ.get("SETRAG_SMS_SIMULATOR_PORT")
    assert port, "export SETRAG_SMS_SIMULATOR_PORT (script/lib/env.sh does)"
    return f"http://127.0.0.1:{port}"


def post(platform, path: str, token: str, body: dict) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    return http("POST", platform.base_url + path, json=body, headers=headers)


def texts_to(sms: str, e164: str) -> list[dict]:
    return [m for m in requests.get(f"{sms}/_sim/messages", timeout=10).json()["messages"] if m["to"] == e164]


def eventually(probe, seconds: float, what: str):
    deadline = time.time() + seconds
    while True:
        value = probe()
        if value:
            return value
        if time.time() > deadline:
            pytest.fail(f"{what}: still not so after {seconds} s (last: {value!r})", pytrace=False)
        time.sleep(0.25)


def extra_train(platform, operator: str) -> int:
    """An extra train of the 211's pattern, tomorrow at 10:00, under a number no other test uses."""
    tomorrow = (datetime.datetime.now(LIBREVILLE) + datetime.timedelta(days=1)).date().isoformat()
    for number in range(9300, 9400):
        extra = post(platform, "/api/v1/trips", operator, {"pattern": 211, "date": tomorrow, "trainNumber": number,
                                                           "departure": "10:00"})
        if extra.status_code != 409:
            break
    assert extra.status_code == 201, extra.text[:300]
    return extra.json()["tripId"]


def book(platform, token: str, trip: int, phone: str) -> dict:
    answer = post(platform, "/api/v1/bookings", token, {
        "tripId": trip, "from": "OWE", "to": "NDJ", "class": "second",
        "passengers": [{"type": "adult", "name": "Voyageuse Texto", "idNumber": "GT400000"}], "contactPhone": phone})
    assert answer.status_code == 201, answer.text[:300]
    return answer.json()


def test_a_train_cancelled_by_setrag_is_texted_to_every_booking_then_the_refund_too(platform, sms):
    customer = sign_in(platform, CUSTOMER).token["access_token"]
    agent = sign_in(platform, "agent@demo.setrag.ga").token["access_token"]
    operator = sign_in(platform, "operateur@demo.setrag.ga").token["access_token"]
    trip = extra_train(platform, operator)
    # Two travellers with numbers nobody else uses here: one paid (cash at a counter), one not yet.
    suffix = f"{int(time.time() * 1000) % 1000000:06d}"
    paid_phone, unpaid_phone = f"07 4{suffix[:1]} {suffix[1:3]} {suffix[3:]}", f"06 6{suffix[:1]} {suffix[1:3]} {suffix[3:]}"
    paid_e164, unpaid_e164 = "+241" + paid_phone.replace(" ", "")[1:], "+241" + unpaid_phone.replace(" ", "")[1:]
    paid = book(platform, customer, trip, paid_phone)
    cash = post(platform, "/api/v1/payments", agent, {"pnr": paid["pnr"], "method": "cash"})
    assert cash.status_code == 201 and cash.json()["bookingStatus"] == "confirmed", cash.text[:300]
    unpaid = book(platform, customer, trip, unpaid_phone)
    assert texts_to(sms, paid_e164) == [] and texts_to(sms, unpaid_e164) == []

    cancelled = post(platform, f"/api/v1/trips/{trip}/cancel", operator, {"reason": "Voie coupée à Booué"})
    assert cancelled.status_code == 200, cancelled.text[:300]
    to_paid = eventually(lambda: texts_to(sms, paid_e164), 30, "the paid booking's text message")
    to_unpaid = eventually(lambda: texts_to(sms, unpaid_e164), 30, "the unpaid booking's text message")
    assert len(to_paid) == 1 and len(to_unpaid) == 1, (to_paid, to_unpaid)
    assert to_paid[0]["from"] == "SETRAG"
    for text, pnr in [(to_paid[0]["text"], paid["pnr"]), (to_unpaid[0]["text"], unpaid["pnr"])]:
        assert text.startswith("SETRAG a annulé le train") and pnr in text and "Voie coupée à Booué" in text, text
    assert "échange gratuit ou un remboursement intégral" in to_paid[0]["text"]
    assert "vous ne payez rien" in to_unpaid[0]["text"]

    # The paid traveller takes the full refund; it was cash, so an agent pays it at a counter: texted too.
    refund = post(platform, f"/api/v1/bookings/{paid['pnr']}/cancel", customer, {})
    assert refund.status_code == 200 and refund.json()["refundAmount"] == paid["total"], refund.text[:300]
    owed = eventually(lambda: requests.get(f"{platform.base_url}/api/v1/payments/refunds?pnr={paid['pnr']}",
                                           headers={"Authorization": f"Bearer {agent}"}, timeout=10).json()["refunds"],
                      30, "the refund recorded")
    assert post(platform, f"/api/v1/payments/refunds/{owed[0]['reference']}/cash", agent, {}).status_code == 200
    texts = eventually(lambda: (lambda t: t if len(t) == 2 else None)(texts_to(sms, paid_e164)), 30,
                       "the refund's text message")
    assert "Remboursement de" in texts[1]["text"] and "en espèces" in texts[1]["text"], texts
    # Nothing was sent twice, and nothing to the unpaid booking's phone since.
    time.sleep(2)
    assert len(texts_to(sms, paid_e164)) == 2 and len(texts_to(sms, unpaid_e164)) == 1
