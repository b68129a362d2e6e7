"""Paying cash at a counter, against the real platform: the customer books online and chooses to pay at a counter
(the reference, the amount and the deadline, with nothing sent); the agent finds the booking by its reference and
takes the cash; the customer's booking is then confirmed with its ticket. Elements are found by role and name.

Needs SETRAG_DEMO_PASSWORD and SETRAG_GATEWAY_OAUTH_CLIENT_SECRET besides SETRAG_BASE_URL.
"""
import re
from datetime import datetime

from playwright.sync_api import expect

from staff_support import AGENT, CUSTOMER, LIBREVILLE, PHONE, no_horizontal_scroll
from test_booking import book_one_seat

MONEY = r"[\d\s\u202f\u00a0]+FCFA"


def test_pay_cash_at_the_counter_before_the_deadline(new_context, states, screenshot):
    # The customer, on a phone: one seat, then "pay cash at a counter" on the booking's page.
    customer = new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                           storage_state=states(CUSTOMER)).new_page()
    pnr = book_one_seat(customer)
    booking = customer.request.get(f"/api/v1/bookings/{pnr}").json()
    assert booking["status"] == "held"  # its seats held, no payment started
    deadline = datetime.fromisoformat(booking["holdExpiresAt"]).astimezone(LIBREVILLE)
    requests = []
    customer.on("request", lambda r: requests.append(r) if "/api/" in r.url and r.method != "GET" else None)

    payment = customer.get_by_role("region", name=re.compile(r"^Payer "))
    payment.get_by_role("radio", name=re.compile(r"^Payer en espèces au guichet")).check()
    slip = customer.get_by_role("region", name="À payer au guichet")
    expect(slip).to_be_visible()
    expect(slip.get_by_text(pnr, exact=True)).to_be_visible()
    assert float(slip.get_by_text(pnr, exact=True).evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 30
    expect(slip).to_contain_text(re.compile(rf"Montant\s:\s{MONEY} en espèces"))
    expect(slip).to_contain_text(
        f"À payer avant le {deadline:%d/%m/%Y} à {deadline:%H}h{deadline:%M} (heure de Libreville)")
    expect(slip).to_contain_text("Passé ce délai, vos places sont libérées et remises en vente.")
    expect(payment.get_by_role("button", name=re.compile(r"^Payer \d"))).to_have_count(0)
    assert requests == [], [r.url for r in requests]  # nothing sent: the agent takes the cash
    no_horizontal_scroll(customer)
    screenshot(customer, "-1-slip")

    # The agent, at the counter: the staff area, the reference typed as the customer reads it out.
    agent = new_context(storage_state=states(AGENT)).new_page()
    agent.goto("/agent")
    agent.get_by_role("link", name="Encaisser une réservation", exact=True).click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Encaisser une réservation")
    field = agent.get_by_label("Référence de réservation (PNR)", exact=True)
    find = agent.get_by_role("button", name="Chercher la réservation", exact=True)
    main = agent.get_by_role("main")

    field.fill("W5GW")  # not a reference: said next to the field
    find.click()
    expect(field).to_have_attribute("aria-invalid", "true")
    unknown = "ZZZZZ2" if pnr != "ZZZZZ2" else "ZZZZZ3"
    field.fill(unknown)
    find.click()
    expect(main).to_contain_text(f"Aucune réservation ne porte la référence {unknown}.")

    field.fill(pnr.lower())
    find.click()
    expect(agent.get_by_role("heading", name=re.compile(rf"^Réservation {pnr}\s:\sà encaisser$"))).to_be_visible()
    expect(main).to_contain_text("Léa Mba")
    expect(main).to_contain_text(re.compile(rf"Total à payer\s:\s{MONEY}"))
    expect(main).to_contain_text(f"Places réservées jusqu’au {deadline:%d/%m/%Y} à {deadline:%H}h{deadline:%M}.")
    screenshot(agent, "-2-due")
    agent.get_by_role("button", name=re.compile(rf"^Encaisser {MONEY} en espèces$")).click()
    expect(agent.get_by_role("heading", name=f"Réservation {pnr} payée")).to_be_visible()
    expect(main).to_contain_text("reçus en espèces")
    expect(agent.get_by_role("img", name="Code QR du billet de Léa Mba")).to_be_visible()
    screenshot(agent, "-3-paid")

    # Looked up again: already paid, nothing more to take.
    field.fill(pnr)
    find.click()
    expect(agent.get_by_role("heading", name=re.compile(rf"^La réservation {pnr} est déjà payée"))).to_be_visible()
    expect(agent.get_by_role("button", name=re.compile(r"^Encaisser .* en espèces$"))).to_have_count(0)

    # The customer's page: confirmed, with the ticket's QR code.
    customer.get_by_role("button", name="J’ai payé au guichet, actualiser", exact=True).click()
    expect(customer.get_by_role("heading", name="Réservation confirmée")).to_be_visible(timeout=20_000)
    expect(customer.get_by_role("img", name="Code QR du billet de Léa Mba")).to_be_visible()
    no_horizontal_scroll(customer)
    screenshot(customer, "-4-confirmed")
