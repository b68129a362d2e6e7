"""Exchanging a paid booking, as a traveller on a phone, against the real platform (gateway, inventory, booking,
payments and the E-Billing simulator): a seat Owendo -> Franceville on next Tuesday's train 211 in second class, paid
with Airtel Money, exchanged for a first-class seat on a train leaving in two hours (an extra train the demo operator
adds for the test, so that its tickets are good now); the difference is paid with Airtel Money too. The traveller then
sees the new booking with its QR ticket and its date, the old one shown as exchanged (in "Mes réservations" too), and
the conductor's page refuses the old ticket and accepts the new one.

Needs SETRAG_DEMO_PASSWORD and SETRAG_GATEWAY_OAUTH_CLIENT_SECRET besides SETRAG_BASE_URL.
"""
import re
from datetime import datetime

from playwright.sync_api import expect

from staff_support import (
    CONDUCTOR,
    CUSTOMER,
    PHONE,
    buy_one_seat_with_airtel,
    no_horizontal_scroll,
    train_valid_now,
)
from test_booking import MONEY, PNR_URL, amount, next_tuesday
from test_staff import check_code, verdict
from test_trips import day_fr

NAME = "Paulin Ndong"


def test_exchange_a_paid_seat_for_another_train_and_class_then_pay_the_difference(new_context, states, screenshot):
    customer = new_context(viewport=PHONE, is_mobile=True, has_touch=True, storage_state=states(CUSTOMER)).new_page()
    tuesday = next_tuesday()
    old = buy_one_seat_with_airtel(customer, tuesday.isoformat(), 211, NAME, "GA443322", "074 22 33 44")
    old_pnr = old["pnr"]
    old_total = customer.request.get(f"/api/v1/bookings/{old_pnr}").json()["total"]
    train = train_valid_now(customer.request)["trip"]
    number = train["trainNumber"]
    departs = datetime.fromisoformat(train["departure"])
    day = departs.date()

    # The exchange: another date, the train and class chosen, the price of the change, then "Échanger et payer".
    customer.get_by_role("button", name="Échanger contre un autre train").click()
    expect(customer.get_by_role("heading", name="Échanger", exact=True)).to_be_focused()
    main = customer.get_by_role("main")
    expect(main).to_contain_text("Owendo → Franceville")
    customer.get_by_label("Date du voyage", exact=True).fill(f"{day:%d/%m/%Y}")
    first = customer.get_by_role("radio", name=re.compile(rf"^Train {number}, départ {departs:%H}h{departs:%M} – "
                                                         r"Première classe \(\d+ places libres\)$"))
    first.check()
    quote = customer.locator(".exchange__quote")
    expect(quote).to_contain_text("Reste à payer")
    new_total = amount(re.search(rf"Nouveau tarif\s*({MONEY})", quote.inner_text()).group(1))
    credit = amount(re.search(rf"Déjà payé\s*({MONEY})", quote.inner_text()).group(1))
    due = amount(re.search(rf"Reste à payer\s*({MONEY})", quote.inner_text()).group(1))
    assert credit == old_total and new_total > old_total and due > 0, quote.inner_text()
    expect(quote).to_contain_text("votre réservation actuelle reste valable jusque-là")
    no_horizontal_scroll(customer)
    screenshot(customer, "-1-quote")
    pay_difference = customer.get_by_role("button", name=re.compile(rf"^Échanger et payer {MONEY}$"))
    assert amount(pay_difference.inner_text()) == due
    pay_difference.click()

    # The new booking's page asks for the difference, and the old booking stays good meanwhile.
    expect(customer).not_to_have_url(re.compile(rf"/bookings/{old_pnr}"))
    expect(customer).to_have_url(PNR_URL)
    new_pnr = PNR_URL.search(customer.url).group(1)
    expect(customer.get_by_role("heading", level=1)).to_have_text(f"Réservation {new_pnr}")
    expect(customer.get_by_role("heading", name="En attente de paiement")).to_be_visible()
    expect(main).to_contain_text(f"Échange de la réservation {old_pnr} : il reste")
    expect(main).to_contain_text(f"Votre réservation {old_pnr} et ses billets restent valables jusqu’au paiement.")
    expect(customer.get_by_role("radio", name=re.compile(r"^Airtel Money"))).to_be_checked()
    pay = customer.get_by_role("button", name=re.compile(rf"^Payer {MONEY}$"))
    assert amount(pay.inner_text()) == due
    screenshot(customer, "-2-pay-difference")
    pay.click()

    # Paid: the new booking is confirmed, with its QR ticket, its train and its date.
    expect(customer.get_by_role("heading", name="Réservation confirmée")).to_be_visible(timeout=30_000)
    expect(customer.get_by_role("img", name=f"Code QR du billet de {NAME}")).to_be_visible()
    journey = customer.get_by_role("region", name="Votre voyage")
    expect(journey).to_contain_text(day_fr(day))
    expect(journey).to_contain_text(f"Train {number} · Première classe")
    expect(main).to_contain_text(f"Échange de la réservation {old_pnr}")
    no_horizontal_scroll(customer)
    screenshot(customer, "-3-new-booking")
    tickets = customer.request.get(f"/api/v1/bookings/{new_pnr}/tickets")
    assert tickets.ok, tickets.status
    new_ticket = tickets.json()["tickets"][0]
    assert new_ticket["passengerName"] == NAME and new_ticket["trip"]["trainNumber"] == number, new_ticket

    # The old booking: exchanged, no more tickets, and a way to the new one.
    customer.goto(f"/bookings/{old_pnr}")
    expect(customer.get_by_role("heading", name="Réservation échangée")).to_be_visible()
    expect(main).to_contain_text("ses billets ne sont plus valables")
    expect(customer.get_by_role("img", name=re.compile(r"^Code QR du billet"))).to_have_count(0)
    expect(customer.get_by_role("button", name="Échanger contre un autre train")).to_have_count(0)
    expect(customer.get_by_role("button", name="Annuler la réservation")).to_have_count(0)
    expect(journey).to_contain_text(day_fr(tuesday))
    screenshot(customer, "-4-old-booking")

    # "Mes réservations": the new one confirmed, the old one exchanged.
    customer.goto("/bookings")
    card = lambda pnr: customer.get_by_role("listitem").filter(  # noqa: E731
        has=customer.get_by_role("link", name=re.compile(rf"Réservation {pnr}$")))
    expect(card(new_pnr)).to_contain_text("Confirmée")
    expect(card(old_pnr)).to_contain_text("Échangée")
    customer.goto(f"/bookings/{old_pnr}")
    customer.get_by_role("link", name=f"Voir la réservation {new_pnr}").click()
    expect(customer).to_have_url(re.compile(rf"/bookings/{new_pnr}$"))
    expect(customer.get_by_role("img", name=f"Code QR du billet de {NAME}")).to_be_visible()

    # The conductor: the old ticket is refused, the new one is good for tonight's train.
    conductor = new_context(viewport=PHONE, is_mobile=True, has_touch=True, storage_state=states(CONDUCTOR)).new_page()
    conductor.goto("/agent/check")
    expect(conductor.get_by_role("main")).to_contain_text("Clés de vérification enregistrées sur cet appareil")
    check_code(conductor, old["ticket"]["qr"])
    result = verdict(conductor)
    expect(result).to_have_accessible_name("Billet refusé")
    screenshot(conductor, "-5-old-refused")
    check_code(conductor, new_ticket["qr"])
    expect(result).to_have_accessible_name("Billet valable")
    for text in [NAME, "Owendo → Franceville", f"Train {number}", new_ticket["id"]]:
        expect(result).to_contain_text(text)
    screenshot(conductor, "-6-new-valid")
