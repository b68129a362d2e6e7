"""Paying for a booking through the running platform: gateway, identity, inventory, booking, payments, and the
E-Billing simulator started by script/test (its callbacks come back through the gateway).

Needs, besides the OAuth tests' settings: SETRAG_EBILLING_SIMULATOR_PORT (script/lib/env.sh exports it).
"""
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

AGENT = "agent@demo.setrag.ga"


@pytest.fixture(scope="module")
def platform():
    return load_platform()


@pytest.fixture(scope="module")
def customer(platform) -> str:
    return sign_in(platform, CUSTOMER).token["access_token"]


@pytest.fixture(scope="module")
def agent(platform) -> str:
    return sign_in(platform, AGENT).token["access_token"]


@pytest.fixture(scope="module")
def simulator() -> str:
    port = os.environ.get("SETRAG_EBILLING_SIMULATOR_PORT")
    assert port, "export SETRAG_EBILLING_SIMULATOR_PORT (script/lib/env.sh does)"
    return f"http://127.0.0.1:{port}"


def next_tuesday() -> str:
    # Train 211 (Express Owendo -> Franceville) leaves on Tuesdays at 12:30 local time; take one at least a day away.
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=1))).date()
    days = (1 - today.weekday()) % 7 or 7
    return (today + datetime.timedelta(days=days)).isoformat()


def trip_211(platform) -> int:
    answer = http("GET", platform.base_url + f"/api/v1/trips?from=OWE&to=NDJ&date={next_tuesday()}")
    assert answer.status_code == 200, answer.text[:300]
    trips = [trip for trip in answer.json()["trips"] if trip["trainNumber"] == 211]
    assert trips, answer.json()
    return trips[0]["id"]


def post(platform, path: str, token: str, body: dict, key: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key or str(uuid.uuid4())}
    return http("POST", platform.base_url + path, json=body, headers=headers)


def get(platform, path: str, token: str) -> requests.Response:
    return http("GET", platform.base_url + path, headers={"Authorization": f"Bearer {token}"})


def book(platform, token: str, travel_class: str = "second", passengers: int = 1) -> dict:
    response = post(platform, "/api/v1/bookings", token, {
        "tripId": trip_211(platform), "from": "OWE", "to": "NDJ", "class": travel_class,
        "passengers": [{"type": "adult", "name": f"Voyageur {i}", "idNumber": f"GA{100000 + i}"}
                       for i in range(passengers)],
        "contactPhone": "074123456",
    })
    assert response.status_code == 201, response.text[:500]
    booking = response.json()
    assert booking["status"] == "held"
    return booking


def wait_for(platform, token: str, payment_id: str, status: str, seconds: float = 15) -> dict:
    """Polls the payment until it reaches `status`; a success counts once booking's answer is recorded too
    (payments marks the payment succeeded, then tells booking)."""
    deadline = time.time() + seconds
    while True:
        payment = get(platform, f"/api/v1/payments/{payment_id}", token).json()
        done = payment.get("status") == status and (status != "succeeded" or "bookingStatus" in payment)
        if done or time.time() > deadline:
            return payment
        time.sleep(0.25)


def scenario(simulator: str, msisdn: str, outcome: str, **delays):
    response = requests.put(f"{simulator}/_sim/scenarios/{msisdn}", json={"outcome": outcome, **delays}, timeout=10)
    assert response.status_code == 200, response.text[:300]


def test_airtel_money_push_confirms_the_booking(platform, customer):
    booking = book(platform, customer, passengers=2)
    response = post(platform, "/api/v1/payments", customer,
                    {"pnr": booking["pnr"], "method": "airtel_money", "msisdn": "074 12 34 56"})
    assert response.status_code == 201, response.text[:500]
    payment = response.json()
    assert payment["amount"] == booking["total"] and payment["status"] == "pending"
    # The simulated payer types the PIN; the signed callback comes back through the gateway.
    paid = wait_for(platform, customer, payment["id"], "succeeded")
    assert paid["status"] == "succeeded", paid
    assert paid["bookingStatus"] == "confirmed"
    assert get(platform, f"/api/v1/bookings/{booking['pnr']}", customer).json()["status"] == "confirmed"
    # The booking takes no second payment.
    again = post(platform, "/api/v1/payments", customer,
                 {"pnr": booking["pnr"], "method": "airtel_money", "msisdn": "074123456"})
    assert again.status_code == 409, again.text[:300]


def test_a_declined_push_fails_and_the_booking_still_waits(platform, customer, simulator):
    scenario(simulator, "077001122", "decline", confirm_after_ms=100)
    booking = book(platform, customer)
    payment = post(platform, "/api/v1/payments", customer,
                   {"pnr": booking["pnr"], "method": "airtel_money", "msisdn": "077001122"}).json()
    failed = wait_for(platform, customer, payment["id"], "failed")
    assert failed["status"] == "failed", failed
    # Its seats are held again for another payment (payments tells booking right after the outcome).
    deadline = time.time() + 10
    while get(platform, f"/api/v1/bookings/{booking['pnr']}", customer).json()["status"] != "held":
        assert time.time() < deadline, "the booking did not go back to held after the declined payment"
        time.sleep(0.2)
    # Another try, with a Moov wallet that pays, goes through.
    retry = post(platform, "/api/v1/payments", customer,
                 {"pnr": booking["pnr"], "method": "moov_money", "msisdn": "066334455"})
    assert retry.status_code == 201, retry.text[:300]
    assert wait_for(platform, customer, retry.json()["id"], "succeeded")["bookingStatus"] == "confirmed"


def test_a_late_payer_stays_pending_then_succeeds(platform, customer, simulator):
    scenario(simulator, "062778899", "timeout_then_success", confirm_after_ms=1500)
    booking = book(platform, customer)
    payment = post(platform, "/api/v1/payments", customer,
                   {"pnr": booking["pnr"], "method": "moov_money", "msisdn": "062778899"}).json()
    time.sleep(0.5)
    assert get(platform, f"/api/v1/payments/{payment['id']}", customer).json()["status"] == "pending"
    assert wait_for(platform, customer, payment["id"], "succeeded")["status"] == "succeeded"


def test_same_idempotency_key_same_payment(platform, customer):
    booking = book(platform, customer)
    key = str(uuid.uuid4())
    body = {"pnr": booking["pnr"], "method": "airtel_money", "msisdn": "074556677"}
    first = post(platform, "/api/v1/payments", customer, body, key=key)
    second = post(platform, "/api/v1/payments", customer, body, key=key)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    other = post(platform, "/api/v1/payments", customer, dict(body, msisdn="074556678"), key=key)
    assert other.status_code == 422, other.text[:300]


def test_cash_at_a_counter_is_for_agents(platform, customer, agent):
    booking = book(platform, customer)
    refused = post(platform, "/api/v1/payments", customer, {"pnr": booking["pnr"], "method": "cash"})
    assert refused.status_code == 403, refused.text[:300]
    sold = post(platform, "/api/v1/payments", agent, {"pnr": booking["pnr"], "method": "cash"})
    assert sold.status_code == 201, sold.text[:300]
    assert sold.json()["status"] == "succeeded" and sold.json()["bookingStatus"] == "confirmed"
    assert get(platform, f"/api/v1/bookings/{booking['pnr']}", customer).json()["status"] == "confirmed"


def test_cash_is_recorded_against_the_agents_till(platform, customer, agent):
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=1))).date().isoformat()
    before = get(platform, "/api/v1/payments/till", agent)
    assert before.status_code == 200, before.text[:300]
    assert before.json()["date"] == today and before.json()["currency"] == "XAF"
    booking = book(platform, customer)
    sold = post(platform, "/api/v1/payments", agent, {"pnr": booking["pnr"], "method": "cash"})
    assert sold.status_code == 201, sold.text[:300]
    till = get(platform, f"/api/v1/payments/till?date={today}", agent).json()
    assert till["agent"] == before.json()["agent"]
    assert till["count"] == before.json()["count"] + 1
    assert till["total"] == before.json()["total"] + sold.json()["amount"]
    assert [p["pnr"] for p in till["payments"]][-1] == booking["pnr"]
    # Another day's till does not have it; nor may a customer read a till, or an agent another agent's.
    other_day = get(platform, "/api/v1/payments/till?date=2026-01-02", agent).json()
    assert booking["pnr"] not in [p["pnr"] for p in other_day["payments"]]
    assert get(platform, "/api/v1/payments/till", customer).status_code == 403
    assert get(platform, "/api/v1/payments/till?agent=usr_someone_else", agent).status_code == 403
    for bad in ("2026-13-01", "2026-02-30", "yesterday", "2026-1-1", "99999-01-01"):
        answer = get(platform, f"/api/v1/payments/till?date={bad}", agent)
        assert answer.status_code == 422, (bad, answer.text[:200])
        assert answer.headers["content-type"].startswith("application/problem+json")
    admin = sign_in(platform, "admin@demo.setrag.ga").token["access_token"]
    seen = get(platform, f"/api/v1/payments/till?agent={till['agent']}&date={today}", admin)
    assert seen.status_code == 200 and seen.json()["total"] == till["total"], seen.text[:300]


def test_a_card_payment_goes_through_the_hosted_page(platform, customer):
    booking = book(platform, customer)
    payment = post(platform, "/api/v1/payments", customer,
                   {"pnr": booking["pnr"], "method": "card", "msisdn": "074998877"}).json()
    assert payment["status"] == "pending" and payment["paymentUrl"], payment
    # The payer's browser on the aggregator's page: no card number ever reaches SETRAG.
    page = requests.get(payment["paymentUrl"], timeout=10)
    assert page.status_code == 200 and "card_number" not in page.text
    paid = requests.post(payment["paymentUrl"], data={"action": "pay", "payment_system_name": "card"},
                         allow_redirects=False, timeout=10)
    assert paid.status_code == 303
    assert paid.headers["Location"].startswith(platform.base_url + f"/bookings/{booking['pnr']}")
    assert wait_for(platform, customer, payment["id"], "succeeded")["bookingStatus"] == "confirmed"


def test_someone_elses_booking_and_bad_input_are_refused(platform, customer, agent):
    booking = book(platform, agent)  # booked by the agent for somebody else
    hidden = post(platform, "/api/v1/payments", customer,
                  {"pnr": booking["pnr"], "method": "airtel_money", "msisdn": "074123456"})
    assert hidden.status_code == 404, hidden.text[:300]
    for body, status in [
        ({"pnr": "ABC", "method": "airtel_money", "msisdn": "074123456"}, 422),
        ({"pnr": booking["pnr"], "method": "bitcoin", "msisdn": "074123456"}, 422),
        ({"pnr": booking["pnr"], "method": "airtel_money"}, 422),
        ({"pnr": booking["pnr"], "method": "airtel_money", "msisdn": "066123456"}, 422),  # a Moov number
        ({"pnr": booking["pnr"], "method": "airtel_money", "msisdn": "074123456", "amount": 1}, 422),
        ({"pnr": 123456, "method": "airtel_money", "msisdn": "074123456"}, 422),
    ]:
        answer = post(platform, "/api/v1/payments", customer, body)
        assert answer.status_code == status, (body, answer.text[:300])
        assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert http("POST", platform.base_url + "/api/v1/payments", json={}).status_code == 401
    assert get(platform, "/api/v1/payments/pay_doesnotexist", customer).status_code == 404


def test_forged_callbacks_are_refused(platform):
    body = b'{"bill_id":"1234567890","external_reference":"x","state":"paid","amount":1}'
    for headers in [{}, {"X-Ebilling-Timestamp": str(int(time.time())), "X-Ebilling-Signature": "sha256=" + "0" * 64}]:
        answer = http("POST", platform.base_url + "/api/v1/payments/callbacks/ebilling", data=body,
                      headers={"Content-Type": "application/json", **headers})
        assert answer.status_code == 401, answer.text[:300]


def test_a_booking_is_paid_once_even_when_attempts_race(platform, customer, simulator):
    """Four payment attempts sent at once for one booking: whichever of them start, exactly one pays the booking;
    any other that succeeds is refunded in full to the payer's wallet."""
    from concurrent.futures import ThreadPoolExecutor

    booking = book(platform, customer)
    numbers = ["074100001", "074100002", "077100003", "077100004"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda number: post(platform, "/api/v1/payments", customer, {
            "pnr": booking["pnr"], "method": "airtel_money", "msisdn": number}), numbers))
    started = [answer.json() for answer in answers if answer.status_code == 201]
    assert started, [answer.text[:200] for answer in answers]
    assert all(answer.status_code in (201, 409) for answer in answers), [a.status_code for a in answers]
    settled = [wait_for(platform, customer, payment["id"], "succeeded") for payment in started]
    confirmed = [payment for payment in settled if payment.get("bookingStatus") == "confirmed"]
    assert len(confirmed) == 1, settled
    extra = [payment for payment in settled if payment not in confirmed]
    assert all(payment.get("bookingStatus") == "already_paid" for payment in extra)
    # Each extra one was paid back to its wallet, in full, through the aggregator.
    payouts = requests.get(f"{simulator}/_sim/disbursements", timeout=10).json()["disbursements"]
    for payment in extra:
        refund = [p for p in payouts if p["external_reference"] == f"RFD-{payment['id']}-duplicate"]
        assert len(refund) == 1 and refund[0]["amount"] == payment["amount"], payouts
    assert get(platform, f"/api/v1/bookings/{booking['pnr']}", customer).json()["status"] == "confirmed"


def test_a_payment_whose_callback_never_comes_is_reconciled_by_asking_the_aggregator(platform, customer, simulator):
    """The payer confirms at once but the aggregator's callback would only come a minute later: the payment is
    not failed but looked up (script/test sets SETRAG_PAYMENTS_RECONCILE_SECONDS=2) and found paid."""
    scenario(simulator, "074300300", "late_callback", confirm_after_ms=100, callback_after_ms=60_000)
    booking = book(platform, customer)
    payment = post(platform, "/api/v1/payments", customer,
                   {"pnr": booking["pnr"], "method": "airtel_money", "msisdn": "074300300"}).json()
    assert payment["status"] == "pending"
    paid = wait_for(platform, customer, payment["id"], "succeeded", seconds=20)
    assert paid["status"] == "succeeded" and paid["bookingStatus"] == "confirmed", paid


BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def base45_decode(text: str) -> bytes:
    """RFC 9285, written here so that the test does not trust the server's decoder."""
    values = [BASE45.index(c) for c in text]
    out = bytearray()
    for i in range(0, len(values) - len(values) % 3, 3):
        n = values[i] + values[i + 1] * 45 + values[i + 2] * 45 * 45
        out += n.to_bytes(2, "big")
    if len(values) % 3 == 2:
        out.append(values[-2] + values[-1] * 45)
    return bytes(out)


def test_a_paid_booking_has_signed_tickets_a_conductor_device_can_check_offline(platform, customer, agent):
    """Paid → one ticket per passenger; the QR's signature verifies with the published key alone (as a
    conductor's phone without network would), and the online check flags a second scan."""
    import base64
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    booking = book(platform, customer, passengers=2)
    payment = post(platform, "/api/v1/payments", customer,
                   {"pnr": booking["pnr"], "method": "airtel_money", "msisdn": "074123456"}).json()
    assert wait_for(platform, customer, payment["id"], "succeeded")["bookingStatus"] == "confirmed"
    tickets = get(platform, f"/api/v1/bookings/{booking['pnr']}/tickets", customer).json()["tickets"]
    assert len(tickets) == 2 and len({t["id"] for t in tickets}) == 2

    keys = http("GET", platform.base_url + "/api/v1/tickets/keys").json()["keys"]
    published = {}
    for key in keys:
        raw = base64.urlsafe_b64decode(key["publicKey"] + "=" * (-len(key["publicKey"]) % 4))
        published[key["kid"]] = Ed25519PublicKey.from_public_bytes(raw)
    for ticket in tickets:
        payload = base45_decode(ticket["qr"])
        assert payload[0] == 1 and len(payload) == 103
        kid = payload[1:3]
        signer = [k for name, k in published.items() if name.lower() == kid.hex() or name == kid.hex().upper()]
        assert signer, (kid.hex(), list(published))
        signer[0].verify(payload[39:], payload[:39])  # raises when the signature does not hold
        assert payload[17:20] == b"OWE" and payload[20:23] == b"NDJ"

    # The online check knows the ticket and its passenger; the train leaves on Tuesday, so a scan today is early
    # (second scans on the day itself are covered by the Swift tests, which set the clock).
    check = post(platform, "/api/v1/tickets/verify", agent, {"qr": tickets[0]["qr"]}).json()
    assert check["valid"] is False and check["reason"] == "not-yet-valid", check
    assert check["ticket"]["passengerName"] == tickets[0]["passengerName"]
    forged = tickets[0]["qr"][:-2] + ("00" if not tickets[0]["qr"].endswith("00") else "11")
    refused = post(platform, "/api/v1/tickets/verify", agent, {"qr": forged})
    assert refused.status_code in (200, 422) and refused.json().get("valid") is not True, refused.text[:300]
    # A traveller cannot check tickets.
    assert post(platform, "/api/v1/tickets/verify", customer, {"qr": tickets[0]["qr"]}).status_code == 403


def payouts(simulator: str) -> list[dict]:
    return requests.get(f"{simulator}/_sim/disbursements", timeout=10).json()["disbursements"]


def wait_for_payout(simulator: str, reference: str, seconds: float = 20) -> list[dict]:
    """Polls the simulator until a payout with this reference was made (payments sends refunds every 2 s)."""
    deadline = time.time() + seconds
    while True:
        found = [payout for payout in payouts(simulator) if payout["external_reference"] == reference]
        if found or time.time() > deadline:
            return found
        time.sleep(0.25)


def pay(platform, token: str, pnr: str, msisdn: str, method: str = "airtel_money") -> dict:
    response = post(platform, "/api/v1/payments", token, {"pnr": pnr, "method": method, "msisdn": msisdn})
    assert response.status_code == 201, response.text[:500]
    paid = wait_for(platform, token, response.json()["id"], "succeeded")
    assert paid["status"] == "succeeded" and paid["bookingStatus"] == "confirmed", paid
    return paid


def test_a_cancelled_paid_booking_is_refunded_to_the_payers_wallet(platform, customer, simulator):
    """Booking writes BookingRefundDue in the cancellation's transaction; payments consumes it and pays the refund
    back through the aggregator to the number that paid."""
    booking = book(platform, customer)
    payment = pay(platform, customer, booking["pnr"], "074 55 66 11")
    cancelled = post(platform, f"/api/v1/bookings/{booking['pnr']}/cancel", customer, {})
    assert cancelled.status_code == 200, cancelled.text[:300]
    refund = cancelled.json()["refundAmount"]
    assert cancelled.json()["status"] == "refund_pending"
    # The customer's own cancellation: 10 % kept up to 24 h before departure, 20 % after.
    assert refund in (booking["total"] - booking["total"] // 10, booking["total"] - booking["total"] // 5), refund
    found = wait_for_payout(simulator, f"RFD-{booking['pnr']}-{payment['id']}")
    assert len(found) == 1, payouts(simulator)
    assert found[0]["payee_msisdn"] == "074556611" and found[0]["amount"] == refund, found
    recorded = get(platform, f"/api/v1/payments/{payment['id']}", customer).json()["refunds"]
    assert [(r["amount"], r["reason"]) for r in recorded] == [(refund, "cancellation")], recorded


def test_a_refund_the_wallet_refuses_stays_owed_for_the_counter(platform, customer, simulator):
    """The payer's wallet refuses the payout (closed account, limit reached): the money is still owed, so the refund is
    `manual` (paid at a counter), never a silent failure."""
    number = f"0778{uuid.uuid4().int % 100000:05d}"  # a number of its own: its scenario stays "decline" afterwards
    booking = book(platform, customer)
    payment = pay(platform, customer, booking["pnr"], number)
    scenario(simulator, number, "decline")
    cancelled = post(platform, f"/api/v1/bookings/{booking['pnr']}/cancel", customer, {})
    assert cancelled.status_code == 200, cancelled.text[:300]
    refund = cancelled.json()["refundAmount"]
    assert len(wait_for_payout(simulator, f"RFD-{booking['pnr']}-{payment['id']}")) == 1
    deadline = time.time() + 20
    while True:
        recorded = get(platform, f"/api/v1/payments/{payment['id']}", customer).json()["refunds"]
        if [r["status"] for r in recorded] == ["manual"] or time.time() > deadline:
            break
        time.sleep(0.25)
    assert [(r["amount"], r["status"]) for r in recorded] == [(refund, "manual")], recorded


def trip_211_a_week_later(platform) -> int:
    date = (datetime.date.fromisoformat(next_tuesday()) + datetime.timedelta(days=7)).isoformat()
    answer = http("GET", platform.base_url + f"/api/v1/trips?from=OWE&to=NDJ&date={date}")
    assert answer.status_code == 200, answer.text[:300]
    trips = [trip for trip in answer.json()["trips"] if trip["trainNumber"] == 211]
    assert trips, answer.json()
    return trips[0]["id"]


def verify_reasons(platform, agent: str, tickets: list[dict]) -> list[str]:
    answers = [post(platform, "/api/v1/tickets/verify", agent, {"qr": ticket["qr"]}).json() for ticket in tickets]
    return ["valid" if answer["valid"] else answer["reason"] for answer in answers]


def test_an_exchange_to_a_dearer_trip_is_paid_then_the_old_tickets_are_refused(platform, customer, agent):
    booking = book(platform, customer, passengers=2)
    pay(platform, customer, booking["pnr"], "074 55 66 22")
    old_tickets = get(platform, f"/api/v1/bookings/{booking['pnr']}/tickets", customer).json()["tickets"]
    later = trip_211_a_week_later(platform)

    quote = get(platform, f"/api/v1/bookings/{booking['pnr']}/exchange?tripId={later}&class=first", customer)
    assert quote.status_code == 200, quote.text[:300]
    due = quote.json()["amountDue"]
    assert due == quote.json()["total"] - booking["total"] > 0 and quote.json()["fee"] == 0, quote.json()

    key = str(uuid.uuid4())
    body = {"tripId": later, "class": "first"}
    exchanged = post(platform, f"/api/v1/bookings/{booking['pnr']}/exchange", customer, body, key=key)
    assert exchanged.status_code == 201, exchanged.text[:500]
    new = exchanged.json()
    assert new["status"] == "held" and new["amountDue"] == due and new["exchange"]["of"] == booking["pnr"]
    # The same key and body: the same exchange; another body under that key is refused.
    assert post(platform, f"/api/v1/bookings/{booking['pnr']}/exchange", customer, body, key=key).json()["pnr"] \
        == new["pnr"]
    assert post(platform, f"/api/v1/bookings/{booking['pnr']}/exchange", customer, dict(body, **{"class": "vip"}),
                key=key).status_code == 422
    # Until the difference is paid the old booking and its tickets stay good.
    assert get(platform, f"/api/v1/bookings/{booking['pnr']}", customer).json()["status"] == "confirmed"
    assert verify_reasons(platform, agent, old_tickets) == ["not-yet-valid", "not-yet-valid"]

    difference = pay(platform, customer, new["pnr"], "066 55 66 22", method="moov_money")
    assert difference["amount"] == due
    old = get(platform, f"/api/v1/bookings/{booking['pnr']}", customer).json()
    assert old["status"] == "exchanged" and old["exchangedTo"] == new["pnr"], old
    assert verify_reasons(platform, agent, old_tickets) == ["exchanged", "exchanged"]
    new_tickets = get(platform, f"/api/v1/bookings/{new['pnr']}/tickets", customer).json()["tickets"]
    assert len(new_tickets) == 2
    # The new tickets are known and good; the train leaves next week, so a scan today is early.
    assert verify_reasons(platform, agent, new_tickets) == ["not-yet-valid", "not-yet-valid"]
    assert get(platform, f"/api/v1/bookings/{booking['pnr']}/tickets", customer).status_code == 409


def test_an_exchange_to_a_cheaper_class_completes_at_once_and_pays_the_rest_back(platform, customer, simulator):
    booking = book(platform, customer, travel_class="first")
    payment = pay(platform, customer, booking["pnr"], "077 55 66 33")
    exchanged = post(platform, f"/api/v1/bookings/{booking['pnr']}/exchange", customer,
                     {"tripId": booking["trip"]["id"], "class": "second"})
    assert exchanged.status_code == 201, exchanged.text[:500]
    new = exchanged.json()
    assert new["status"] == "confirmed" and new["exchange"]["amountDue"] == 0
    back = new["exchange"]["refund"]
    assert back == booking["total"] - new["total"] > 0
    found = wait_for_payout(simulator, f"RFD-{booking['pnr']}-{payment['id']}")
    assert len(found) == 1 and found[0]["amount"] == back and found[0]["payee_msisdn"] == "077556633", found


def test_bad_exchanges_are_refused(platform, customer, agent):
    booking = book(platform, agent)  # someone else's
    unpaid = book(platform, customer)
    later = trip_211_a_week_later(platform)
    for pnr, body, status in [
        (booking["pnr"], {"tripId": later}, 404),
        (unpaid["pnr"], {"tripId": later}, 409),
        (unpaid["pnr"], {"tripId": "x"}, 422),
        ("ZZZZZZ", {"tripId": later}, 404),
    ]:
        answer = post(platform, f"/api/v1/bookings/{pnr}/exchange", customer, body)
        assert answer.status_code == status, (pnr, body, answer.text[:300])
        assert answer.headers["Content-Type"].startswith("application/problem+json")
