"""The tickets issue's "done when", as a person would do it: on a phone, buy a ticket Owendo -> Franceville for next
Tuesday (train 211) paid with the simulated Airtel Money, see the QR e-ticket, have it checked on the conductor's
page, and cancel it. Next Tuesday's ticket is genuine but good only from 18:00 the day before: the conductor's page
says so (or "valid" when the test runs that late); after the cancellation the same check refuses it.
"""
from playwright.sync_api import expect

from staff_support import (
    CONDUCTOR,
    CUSTOMER,
    PHONE,
    buy_one_seat_with_airtel,
    french_short_day_time,
    now_local,
    ticket_valid_from,
)
from test_booking import next_tuesday
from test_staff import LATER_DAY, check_code, verdict


def test_buy_owendo_franceville_next_tuesday_check_it_then_cancel(new_context, states, screenshot):
    tuesday = next_tuesday().isoformat()
    customer = new_context(viewport=PHONE, is_mobile=True, has_touch=True, storage_state=states(CUSTOMER)).new_page()
    ticket = buy_one_seat_with_airtel(customer, tuesday, 211, "Estelle Mba", "GA778899", "074 11 22 33")["ticket"]
    screenshot(customer, "-1-ticket")

    conductor = new_context(viewport=PHONE, is_mobile=True, has_touch=True, storage_state=states(CONDUCTOR)).new_page()
    conductor.goto("/agent/check")
    expect(conductor.get_by_role("main")).to_contain_text("Clés de vérification enregistrées sur cet appareil")
    check_code(conductor, ticket["qr"])
    result = verdict(conductor)
    valid_from = ticket_valid_from(tuesday)
    if now_local() < valid_from:
        expect(result).to_have_accessible_name(LATER_DAY)
        expect(result).to_contain_text(f"Valable à partir du {french_short_day_time(valid_from)}")
    else:
        expect(result).to_have_accessible_name("Billet valable")
    for text in ["Estelle Mba", "Owendo → Franceville", "Train 211", ticket["id"]]:
        expect(result).to_contain_text(text)
    screenshot(conductor, "-2-checked")

    customer.get_by_role("button", name="Annuler la réservation").click()
    customer.get_by_role("button", name="Oui, annuler").click()
    expect(customer.get_by_role("heading", name="Réservation annulée, remboursement en cours")).to_be_visible()
    check_code(conductor, ticket["qr"])
    expect(result).to_have_accessible_name("Billet refusé")
    expect(result).to_contain_text("Réservation annulée.")
    screenshot(conductor, "-3-cancelled")
