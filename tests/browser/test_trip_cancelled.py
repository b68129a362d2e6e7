"""A train SETRAG cancels, seen by the traveller, against the real platform (gateway, identity, inventory, booking,
payments, the E-Billing simulator): the demo customer has a confirmed booking on an extra train (added by the demo
operator for the test, so that no other test's train is cancelled); the operator cancels that train
(`POST /api/v1/trips/{id}/cancel`); booking hears of it (inventory's TripCancelled) and the traveller's list and
booking page say so, with the two choices: a free exchange (no fee in the price) or a full refund, which is taken.

Needs SETRAG_DEMO_PASSWORD and SETRAG_GATEWAY_OAUTH_CLIENT_SECRET besides SETRAG_BASE_URL.
"""
import re
import time
import uuid
from datetime import datetime, timedelta

from playwright.sync_api import expect

from staff_support import CUSTOMER, LIBREVILLE, add_extra_train, http, load_platform, now_local, operator_token
from test_booking import MONEY, amount

REASON = "voie coupée à Booué"


def next_weekday_after_tomorrow(weekday: int) -> datetime:
    """A date with the timetable's trains of that weekday (Tuesday: 211), at least two days away."""
    day = now_local().date() + timedelta(days=2)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, 6, 15, tzinfo=LIBREVILLE)


def book_and_pay_by_api(page, trip_id: int) -> str:
    """From a page signed in as the customer: one adult Owendo -> Ndjolé, paid by Airtel Money (the simulator
    confirms); setup through the API, not under test. Returns the PNR once the booking is confirmed."""
    pnr = page.evaluate(
        """async ([tripId, keys]) => {
            const csrf = decodeURIComponent(document.cookie.split('; ').find((c) => c.startsWith('setrag_csrf='))
              .split('=')[1]);
            const post = async (path, body, key) => {
              const r = await fetch(path, {method: 'POST', body: JSON.stringify(body), headers: {
                'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'Idempotency-Key': key}});
              if (r.status !== 201 && r.status !== 202) throw new Error(`${path}: ${r.status} ${await r.text()}`);
              return r.json();
            };
            const booking = await post('/api/v1/bookings', {tripId, from: 'OWE', to: 'NDJ', class: 'second',
              contactPhone: '+24174556677', passengers: [{type: 'adult', name: 'Ines Mboumba', idNumber: 'GA778899'}]},
              keys[0]);
            await post('/api/v1/payments', {pnr: booking.pnr, method: 'airtel_money', msisdn: '+24174556677'}, keys[1]);
            return booking.pnr;
        }""",
        [trip_id, [str(uuid.uuid4()), str(uuid.uuid4())]],
    )
    wait_for(page, pnr, lambda b: b["status"] == "confirmed", "the payment to confirm the booking")
    return pnr


def wait_for(page, pnr: str, condition, what: str, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        answer = page.request.get(f"/api/v1/bookings/{pnr}")
        assert answer.ok, answer.status
        booking = answer.json()
        if condition(booking):
            return booking
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}: {booking}"
        time.sleep(0.5)


def test_a_train_cancelled_by_setrag_offers_a_free_exchange_or_a_full_refund(new_context, states, screenshot):
    page = new_context(storage_state=states(CUSTOMER)).new_page()
    page.goto("/bookings")
    token = operator_token()
    train = add_extra_train(page.request, token, next_weekday_after_tomorrow(1), "OWE", "NDJ")
    trip = train["trip"]
    pnr = book_and_pay_by_api(page, trip["id"])

    # The operator cancels the train; booking hears of it through inventory's event.
    answer = http("POST", load_platform().base_url + f"/api/v1/trips/{trip['id']}/cancel",
                  headers={"Authorization": f"Bearer {token}"}, json={"reason": REASON})
    assert answer.status_code == 200, f"cancel: {answer.status_code} {answer.text[:300]}"
    booking = wait_for(page, pnr, lambda b: b.get("operatorCancellation"), "booking to hear of the cancellation")
    total = booking["total"]

    # "Mes réservations": the booking says its train is cancelled, not "Confirmée".
    page.goto("/bookings")
    card = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=re.compile(rf"Réservation {pnr}$")))
    expect(card).to_contain_text("Train annulé par SETRAG")
    expect(card).to_contain_text("Échange gratuit ou remboursement intégral")
    expect(card).not_to_contain_text("Confirmée")
    screenshot(page, "-1-my-bookings")

    # The booking's page: booking's own words, the tickets gone, and the two choices.
    card.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Réservation {pnr}")
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=2, name="Train annulé par SETRAG", exact=True)).to_be_visible()
    expect(main).to_contain_text(f"SETRAG a annulé le train {trip['trainNumber']} du {trip['serviceDate']} ({REASON})")
    expect(main).to_contain_text(f"Pour votre réservation {pnr}, choisissez un échange gratuit ou un remboursement intégral")
    expect(main).to_contain_text("Vos billets ne sont plus valables pour voyager sur ce train.")
    expect(page.get_by_role("heading", name="Réservation confirmée")).to_have_count(0)
    expect(page.get_by_role("img", name=re.compile(r"^Code QR du billet"))).to_have_count(0)
    choices = page.get_by_role("list", name="Vos choix")
    expect(choices.get_by_role("button")).to_have_text(["Échanger gratuitement", "Remboursement intégral"])
    screenshot(page, "-2-cancelled-by-setrag")

    # The free exchange: the exchange step opens, and its price has no fee (the day's timetable train, same class).
    choices.get_by_role("button", name="Échanger gratuitement").click()
    expect(page.get_by_role("heading", name="Échanger", exact=True)).to_be_focused()
    expect(main).to_contain_text("SETRAG a annulé votre train : choisissez une autre date")
    expect(main).to_contain_text("L’échange est gratuit.")
    page.get_by_role("radio", name=re.compile(r"Deuxième classe")).first.check()
    quote = page.locator(".exchange__quote")
    expect(quote).to_contain_text(re.compile(r"Frais d’échange \(0\s%\)\s*0\sFCFA"))
    screenshot(page, "-3-free-exchange")
    page.get_by_role("button", name="Garder ma réservation").click()

    # The full refund: asked once more, then all of the price comes back.
    choices.get_by_role("button", name="Remboursement intégral").click()
    expect(page.get_by_text("Voulez-vous être remboursé et annuler cette réservation")).to_be_focused()
    expect(main).to_contain_text("nous vous rendons la totalité du prix payé")
    confirm = page.get_by_role("button", name=re.compile(rf"^Oui, me rembourser {MONEY}$"))
    assert amount(confirm.inner_text()) == total
    confirm.click()
    heading = page.get_by_role("heading", name="Train annulé par SETRAG : remboursement intégral")
    expect(heading).to_be_visible()
    expect(heading).to_be_focused()
    refunded = re.search(rf"Nous vous remboursons ({MONEY}), soit 100\s% du prix payé\.", main.inner_text())
    assert refunded and amount(refunded.group(1)) == total, main.inner_text()
    expect(page.get_by_role("list", name="Vos choix")).to_have_count(0)
    expect(page.get_by_role("button", name="Être remboursé intégralement")).to_have_count(0)
    booking = page.request.get(f"/api/v1/bookings/{pnr}").json()
    assert booking["status"] == "refund_pending" and booking["refundAmount"] == total, booking
    screenshot(page, "-4-refunded")

    # The same in English.
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.get_by_role("heading", name="Train cancelled by SETRAG: full refund")).to_be_visible()
    expect(main).to_contain_text(re.compile(r"We are refunding [\d,\s\u202f\u00a0]+FCFA, 100% of the price paid\."))
