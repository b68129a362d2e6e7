"""Booking and paying against the real platform: gateway, identity, inventory, booking, payments and the E-Billing
simulator (every mobile-money push is confirmed after ~300 ms; its card page has "Payer / Pay" and "Refuser /
Decline"). The demo customer books seats of train 211 (Express, Tuesdays 12:30 from Owendo) from Owendo to Ndjolé,
pays by Airtel Money and by card, cancels, and finds the bookings in "Mes réservations". Elements are found by role
and accessible name.

Needs SETRAG_DEMO_PASSWORD (the demo accounts' password, `setrag seed --demo`) besides SETRAG_BASE_URL.
"""
import os
import re
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

CUSTOMER = "client@demo.setrag.ga"
LIBREVILLE = timezone(timedelta(hours=1))  # UTC+1 all year
TUESDAY = 1
FREE_SEAT_FR = re.compile(r"^Voiture \d+, place \d+, (fenêtre|couloir|milieu), libre$")
PNR_URL = re.compile(r"/bookings/([2-9A-HJKMNP-Z]{6})(\?.*)?$")
# A Booking page is "Réservation W5GWPH" / "Booking W5GWPH".
MONEY = r"[\d\s\u202f\u00a0]+FCFA"


def next_tuesday() -> date:
    today = datetime.now(LIBREVILLE).date()
    return today + timedelta(days=(TUESDAY - today.weekday() - 1) % 7 + 1)


def results_url(passengers: int) -> str:
    return f"/trips?from=OWE&to=NDJ&date={next_tuesday().isoformat()}&passengers={passengers}"


def demo_password() -> str:
    password = os.environ.get("SETRAG_DEMO_PASSWORD")
    if not password:
        pytest.fail("export SETRAG_DEMO_PASSWORD (the demo accounts' password; script/test exports it)", pytrace=False)
    return password


def fill_sign_in_form(page) -> None:
    """On the gateway's server-rendered sign-in form (identity's page), as the demo customer."""
    page.get_by_label("Adresse e-mail ou numéro de téléphone", exact=True).fill(CUSTOMER)
    page.get_by_label("Mot de passe", exact=True).fill(demo_password())
    page.get_by_role("button", name="Se connecter", exact=True).click()


def assert_no_horizontal_scroll(page, width: int = 360) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


def amount(text: str) -> int:
    return int(re.sub(r"\D", "", text))


@pytest.fixture(scope="module")
def customer_state(browser, base_url):
    """The demo customer's signed-in browser state (session cookie), made once for the module's tests."""
    context = browser.new_context(base_url=base_url, locale="en-US")
    try:
        page = context.new_page()
        page.goto("/auth/login?returnTo=%2Fprofile")
        fill_sign_in_form(page)
        expect(page).to_have_url(re.compile(r"/profile$"))
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture
def customer_page(new_context, customer_state, screenshot):
    page = new_context(storage_state=customer_state).new_page()
    yield page
    try:
        screenshot(page)
    except Exception as error:  # a screenshot must never hide the test's own failure
        print(f"screenshot failed: {error}")


def choose_seats(page, count: int) -> list[str]:
    """From the results of `results_url(count)`: second class of train 211, the first free seats, "Continuer"."""
    card = page.get_by_role("article", name=re.compile(r"^Train 211"))
    card.get_by_role("link", name="Choisir Deuxième classe, train 211").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisissez vos places")
    names = []
    for _ in range(count):
        seat = page.get_by_role("button", name=FREE_SEAT_FR).first
        name = seat.get_attribute("aria-label")
        seat.click()
        expect(page.get_by_role("button", name=name.replace("libre", "choisie"), exact=True)).to_be_visible()
        names.append(name)
    page.get_by_role("button", name="Continuer", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre voyage")
    return names


def traveller(page, number: int):
    return page.get_by_role("group", name=re.compile(rf"^Voyageur {number} · voiture \d+, place \d+$"))


def fill_traveller(page, number: int, name: str, id_number: str) -> None:
    group = traveller(page, number)
    group.get_by_label("Nom et prénom", exact=True).fill(name)
    group.get_by_label("Numéro de la pièce d’identité", exact=True).fill(id_number)


def book_one_seat(page) -> str:
    """Signed in: one second-class seat, one adult; returns the PNR of the booking page it opens."""
    page.goto(results_url(1))
    choose_seats(page, 1)
    fill_traveller(page, 1, "Léa Mba", "GA778899")
    page.get_by_label("Téléphone mobile", exact=True).fill("077 12 34 56")
    page.get_by_role("button", name="Réserver", exact=True).click()
    expect(page).to_have_url(PNR_URL)
    return PNR_URL.search(page.url).group(1)


def test_book_two_seats_sign_in_pay_by_airtel_money_and_find_it_in_my_bookings(page, screenshot):
    # The trains with each class's price for the two travellers.
    page.goto(results_url(2))
    card = page.get_by_role("article", name=re.compile(r"^Train 211"))
    second = card.get_by_role("listitem").filter(has_text="Deuxième classe")
    expect(second).to_contain_text(re.compile(rf"{MONEY}\s*soit {MONEY} par voyageur"))
    screenshot(page, "-1-results")

    seats = choose_seats(page, 2)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Vos places ne sont pas encore réservées")
    expect(main).to_contain_text("Train 211 · Express")
    expect(main).to_contain_text("Owendo → Ndjolé")
    fares = page.get_by_role("table", name="Prix")
    expect(fares).to_contain_text(re.compile(rf"2 adultes × {MONEY}"))
    adult_fare = amount(re.search(rf"2 adultes × ({MONEY})", fares.inner_text()).group(1))
    assert amount(fares.locator("tfoot").inner_text()) == 2 * adult_fare

    # Two travellers: an adult with a baby on the lap, and a child (half fare); IDs are checked at boarding.
    expect(main).to_contain_text("SETRAG contrôle les pièces d’identité à l’embarquement")
    coach, seat = re.match(r"Voiture (\d+), place (\d+)", seats[0]).groups()
    expect(traveller(page, 1)).to_contain_text(f"Voyageur 1 · voiture {coach}, place {seat}")
    fill_traveller(page, 1, "Awa Ndong", "ga 123 456")
    traveller(page, 1).get_by_label("+ bébé sur les genoux").check()
    traveller(page, 1).get_by_label("Nom et prénom du bébé", exact=True).fill("Noa Ndong")
    traveller(page, 2).get_by_label(re.compile(r"^Enfant")).check()
    fill_traveller(page, 2, "Jade Ndong", "GA654321")
    expect(fares).to_contain_text(re.compile(rf"1 adulte × {MONEY}"))
    expect(fares).to_contain_text(re.compile(rf"1 enfant × {MONEY}"))
    expect(fares).to_contain_text("1 bébé sur les genoux")
    expect(fares).to_contain_text("Gratuit")
    child_fare = amount(re.search(rf"1 enfant × ({MONEY})", fares.inner_text()).group(1))
    assert child_fare * 2 == adult_fare, (child_fare, adult_fare)
    total = adult_fare + child_fare
    page.get_by_label("Téléphone mobile", exact=True).fill("074 12 34 56")
    expect(main).to_contain_text("Vous devrez vous connecter pour réserver")
    screenshot(page, "-2-travellers")

    # Not signed in: "Réserver" goes through the sign-in and comes back with everything typed.
    book_url = page.url
    page.get_by_role("button", name="Réserver", exact=True).click()
    fill_sign_in_form(page)
    expect(page).to_have_url(book_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre voyage")
    expect(main).to_contain_text("Ce que vous aviez saisi a été gardé.")
    expect(traveller(page, 1).get_by_label("Nom et prénom", exact=True)).to_have_value("Awa Ndong")
    expect(traveller(page, 1).get_by_label("Nom et prénom du bébé", exact=True)).to_have_value("Noa Ndong")
    expect(traveller(page, 2).get_by_label(re.compile(r"^Enfant"))).to_be_checked()
    expect(page.get_by_label("Téléphone mobile", exact=True)).to_have_value("074 12 34 56")
    page.get_by_role("button", name="Réserver", exact=True).click()

    # The booking waits for its payment (its seats held, no payment started yet), with the time left.
    expect(page).to_have_url(PNR_URL)
    pnr = PNR_URL.search(page.url).group(1)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Réservation {pnr}")
    status = page.get_by_role("status").filter(has_text="En attente de paiement")
    expect(status).to_contain_text(re.compile(r"Places réservées jusqu’à \d\dh\d\d\s: choisissez votre paiement\."))
    expect(status).to_contain_text(re.compile(r"Il reste \d+ min \d\d s pour payer\."))
    for text in ["Owendo → Ndjolé", "Train 211", "Deuxième classe", "Awa Ndong", "GA123456", "Noa Ndong",
                 "Bébé sur les genoux · sans place", "Jade Ndong", "Enfant (4 à 11 ans)", f"voiture {coach}, place {seat}"]:
        expect(main).to_contain_text(text)
    assert amount(main.locator(".booking-total").inner_text()) == total
    screenshot(page, "-3-awaiting-payment")

    # Airtel Money, the contact phone already filled in: the PIN is asked on the phone, then it is confirmed.
    expect(page.get_by_role("radio", name=re.compile(r"^Airtel Money"))).to_be_checked()
    expect(page.get_by_label("Numéro Airtel Money")).to_have_value("074 12 34 56")
    page.get_by_role("button", name=re.compile(r"^Payer \d")).click()
    expect(page.get_by_role("heading", name="Confirmez le paiement sur votre téléphone (code PIN)")).to_be_visible()
    expect(main).to_contain_text("Tapez votre code PIN")
    screenshot(page, "-4-confirm-on-phone")
    expect(page.get_by_role("heading", name="Réservation confirmée")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("heading", name="Réservation confirmée")).to_be_focused()
    expect(main).to_contain_text("Vos billets électroniques, avec leur code QR, sont sur cette page")
    expect(page.get_by_role("button", name=re.compile(r"^Payer"))).to_have_count(0)
    screenshot(page, "-5-confirmed")

    # "Mes réservations", from the header: the booking is there, newest first.
    page.get_by_role("navigation").get_by_role("link", name="Mes réservations", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes réservations")
    first = page.get_by_role("main").get_by_role("listitem").first
    expect(first).to_contain_text(f"Réservation {pnr}")
    expect(first).to_contain_text("Confirmée")
    expect(first).to_contain_text("Owendo → Ndjolé")
    expect(first).to_contain_text("3 voyageurs")  # the baby travels too
    screenshot(page, "-6-my-bookings")
    first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Réservation {pnr}")


def test_card_payment_through_the_hosted_page_then_cancel_with_a_refund(customer_page, screenshot):
    page = customer_page
    pnr = book_one_seat(page)
    main = page.get_by_role("main")
    total = amount(main.locator(".booking-total").inner_text())

    # The aggregator's hosted page (the simulator's): declined first, then paid; each time back to our page.
    page.get_by_role("radio", name=re.compile(r"^Carte bancaire")).check()
    expect(page.get_by_label("Votre numéro de mobile")).to_have_value("077 12 34 56")
    page.get_by_role("button", name=re.compile(r"^Payer \d")).click()
    expect(page.get_by_role("heading", name="E-Billing · Paiement / Payment")).to_be_visible()
    screenshot(page, "-1-hosted-page")
    page.get_by_role("button", name="Refuser / Decline").click()
    expect(page).to_have_url(re.compile(rf"/bookings/{pnr}"))
    expect(page.get_by_role("alert")).to_contain_text("Le paiement n’a pas abouti", timeout=20_000)
    expect(page.get_by_role("status").filter(has_text="En attente de paiement")).to_be_visible()
    screenshot(page, "-2-declined")

    page.get_by_role("radio", name=re.compile(r"^Carte bancaire")).check()
    page.get_by_role("button", name=re.compile(r"^Payer \d")).click()
    expect(page.get_by_role("heading", name="E-Billing · Paiement / Payment")).to_be_visible()
    page.get_by_role("button", name="Payer / Pay").click()
    expect(page).to_have_url(re.compile(rf"/bookings/{pnr}"))
    expect(page.get_by_role("heading", name="Réservation confirmée")).to_be_visible(timeout=20_000)
    expect(page).to_have_url(re.compile(rf"/bookings/{pnr}$"))  # the followed payment leaves the URL
    screenshot(page, "-3-confirmed")

    # Cancelling a paid booking: asked twice, then the refund the fare rules give.
    page.get_by_role("button", name="Annuler la réservation").click()
    expect(page.get_by_text("Voulez-vous vraiment annuler cette réservation")).to_be_focused()
    expect(main).to_contain_text("vous serez remboursé, moins des frais")
    page.get_by_role("button", name="Oui, annuler").click()
    heading = page.get_by_role("heading", name="Réservation annulée, remboursement en cours")
    expect(heading).to_be_visible()
    expect(heading).to_be_focused()
    refund = amount(re.search(rf"Nous vous remboursons ({MONEY})", main.inner_text()).group(1))
    assert 0 < refund < total, (refund, total)
    expect(page.get_by_role("button", name="Annuler la réservation")).to_have_count(0)
    screenshot(page, "-4-cancelled")


def test_mistakes_are_explained_next_to_their_fields(customer_page, screenshot):
    page = customer_page
    page.goto(results_url(2))
    choose_seats(page, 2)
    book = page.get_by_role("button", name="Réserver", exact=True)
    phone = page.get_by_label("Téléphone mobile", exact=True)

    # Checked in the browser first: each mistake next to its field, the first one focused.
    fill_traveller(page, 1, "Awa Ndong", "12")
    traveller(page, 1).get_by_label("+ bébé sur les genoux").check()
    phone.fill("012 34 56")
    book.click()
    id_number = traveller(page, 1).get_by_label("Numéro de la pièce d’identité", exact=True)
    expect(id_number).to_have_attribute("aria-invalid", "true")
    expect(id_number).to_have_accessible_description(re.compile(r"^Ce numéro n’est pas valable"))
    expect(id_number).to_be_focused()
    baby = traveller(page, 1).get_by_label("Nom et prénom du bébé", exact=True)
    expect(baby).to_have_accessible_description(re.compile(r"^Indiquez le nom et le prénom du bébé\."))
    second_name = traveller(page, 2).get_by_label("Nom et prénom", exact=True)
    expect(second_name).to_have_accessible_description(re.compile(r"^Indiquez le nom et le prénom du voyageur"))
    expect(phone).to_have_accessible_description(re.compile(r"^Saisissez un numéro de mobile gabonais"))
    screenshot(page, "-1-client")

    # Corrected; meanwhile someone else takes the first seat: explained, and back to the seat map.
    id_number.fill("GA123456")
    baby.fill("Noa Ndong")
    fill_traveller(page, 2, "Jade Ndong", "GA654321")
    phone.fill("066 12 34 56")
    expect(id_number).not_to_have_attribute("aria-invalid", "true")
    taken = re.search(r"voiture (\d+), place (\d+)", traveller(page, 1).locator("legend").first.inner_text())
    trip_id = int(re.search(r"/trips/(\d+)/book", page.url).group(1))
    status = page.evaluate(
        """async ([tripId, coach, seat, key]) => {
            const csrf = document.cookie.split('; ').find((c) => c.startsWith('setrag_csrf='))?.split('=')[1];
            const response = await fetch('/api/v1/bookings', {
              method: 'POST',
              headers: {'Content-Type': 'application/json', 'X-CSRF-Token': decodeURIComponent(csrf),
                        'Idempotency-Key': key},
              body: JSON.stringify({tripId, from: 'OWE', to: 'NDJ', class: 'second', contactPhone: '074000000',
                passengers: [{type: 'adult', name: 'Autre voyageur', idNumber: 'GA000001', seat: {coach, seat}}]}),
            });
            return response.status;
        }""",
        [trip_id, int(taken.group(1)), int(taken.group(2)), str(uuid.uuid4())],
    )
    assert status == 201, status
    book.click()
    alert = page.get_by_role("alert").filter(has_text="vient d’être prise par un autre voyageur")
    expect(alert).to_be_visible()
    screenshot(page, "-2-seats-taken")
    alert.get_by_role("link", name="Choisir d’autres places").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisissez vos places")
    taken_seat = page.get_by_role("button", name=re.compile(rf"^Voiture {taken.group(1)}, place {taken.group(2)}, "))
    expect(taken_seat).to_have_attribute("aria-label", re.compile(r"occupée$"))
    expect(page.get_by_role("main")).to_contain_text("Choisissez encore 1 place.")
    page.get_by_role("button", name=FREE_SEAT_FR).first.click()
    page.get_by_role("button", name="Continuer", exact=True).click()
    # What was typed is still there.
    expect(traveller(page, 1).get_by_label("Nom et prénom", exact=True)).to_have_value("Awa Ndong")
    expect(traveller(page, 2).get_by_label("Nom et prénom", exact=True)).to_have_value("Jade Ndong")
    expect(phone).to_have_value("066 12 34 56")
    book.click()
    expect(page).to_have_url(PNR_URL)

    # The wallet must be the number's operator: a Moov number cannot pay by Airtel Money.
    expect(page.get_by_role("radio", name=re.compile(r"^Moov Money"))).to_be_checked()
    page.get_by_role("radio", name=re.compile(r"^Airtel Money")).check()
    wallet = page.get_by_label("Numéro Airtel Money")
    expect(wallet).to_have_value("066 12 34 56")
    page.get_by_role("button", name=re.compile(r"^Payer \d")).click()
    expect(wallet).to_have_attribute("aria-invalid", "true")
    expect(wallet).to_have_accessible_description(re.compile(r"^Ce numéro n’est pas un numéro Airtel"))
    expect(wallet).to_be_focused()
    screenshot(page, "-3-wrong-operator")

    # An unpaid booking cancels without a refund.
    page.get_by_role("button", name="Annuler la réservation").click()
    expect(page.get_by_role("main")).to_contain_text("Vous n’avez rien payé")
    page.get_by_role("button", name="Oui, annuler").click()
    expect(page.get_by_role("heading", name="Réservation annulée")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("il n’y a rien à rembourser")


def test_english_labels_on_a_small_phone_screen(new_context, customer_state, screenshot):
    page = new_context(
        storage_state=customer_state, viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True
    ).new_page()
    page.goto(results_url(2))
    assert_no_horizontal_scroll(page)
    choose_seats(page, 2)
    # The longest layout: a baby, and every field in error.
    traveller(page, 1).get_by_label("+ bébé sur les genoux").check()
    page.get_by_role("button", name="Réserver", exact=True).click()
    expect(traveller(page, 1).get_by_label("Nom et prénom", exact=True)).to_be_focused()
    assert_no_horizontal_scroll(page)
    screenshot(page, "-1-book-fr")

    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your journey")
    group = page.get_by_role("group", name=re.compile(r"^Traveller 1 · coach \d+, seat \d+$"))
    expect(group.get_by_label("Full name", exact=True)).to_have_accessible_description(
        re.compile(r"^Enter the traveller’s full name")
    )
    expect(group.get_by_label("ID document number", exact=True)).to_be_visible()
    expect(group.get_by_label("+ baby on the lap")).to_be_checked()
    expect(page.get_by_role("table", name="Price")).to_contain_text(re.compile(rf"2 adults × {MONEY}"))
    expect(page.get_by_role("main")).to_contain_text("SETRAG checks ID documents at boarding")
    expect(page.get_by_label("Mobile phone", exact=True)).to_be_visible()
    assert_no_horizontal_scroll(page)
    screenshot(page, "-2-book-en")

    for number, name in [(1, "Awa Ndong"), (2, "Jade Ndong")]:
        group = page.get_by_role("group", name=re.compile(rf"^Traveller {number} · "))
        group.get_by_label("Full name", exact=True).fill(name)
        group.get_by_label("ID document number", exact=True).fill(f"GA10000{number}")
    page.get_by_label("Baby’s full name", exact=True).fill("Noa Ndong")
    page.get_by_label("Mobile phone", exact=True).fill("077 12 34 56")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page).to_have_url(PNR_URL)
    pnr = PNR_URL.search(page.url).group(1)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Booking {pnr}")
    status = page.get_by_role("status").filter(has_text="Awaiting payment")
    expect(status).to_contain_text(re.compile(r"Seats held until \d\d:\d\d: choose how to pay\."))
    expect(status).to_contain_text(re.compile(r"\d+ min \d\d s left to pay\."))
    main = page.get_by_role("main")
    for text in ["Your journey", "Travellers", "Baby on the lap", "Baby on the lap · no seat", "Payment method", "Bank card"]:
        expect(main).to_contain_text(text)
    expect(page.get_by_label("Airtel Money number", exact=True)).to_have_value("077 12 34 56")
    expect(page.get_by_role("button", name=re.compile(r"^Pay \d"))).to_be_visible()
    assert_no_horizontal_scroll(page)
    screenshot(page, "-3-booking-en")

    page.get_by_role("button", name=re.compile(r"^Pay \d")).click()
    expect(page.get_by_role("heading", name="Confirm the payment on your phone (PIN code)")).to_be_visible()
    assert_no_horizontal_scroll(page)
    expect(page.get_by_role("heading", name="Booking confirmed")).to_be_visible(timeout=20_000)
    expect(main).to_contain_text("Your e-tickets, with their QR codes, are on this page")
    assert_no_horizontal_scroll(page)
    screenshot(page, "-4-confirmed-en")

    page.goto("/bookings")
    expect(page.get_by_role("heading", level=1)).to_have_text("My bookings")
    item = page.get_by_role("main").get_by_role("listitem").filter(has_text=f"Booking {pnr}")
    expect(item).to_contain_text("Confirmed")
    expect(item).to_contain_text("3 travellers")  # the baby travels too
    assert_no_horizontal_scroll(page)
    screenshot(page, "-5-my-bookings-en")


def test_signed_out_booking_pages_ask_to_sign_in(page):
    page.goto("/bookings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes réservations")
    expect(page.get_by_role("main")).to_contain_text("Connectez-vous pour voir vos réservations.")
    expect(page.get_by_role("main").get_by_role("link", name="Se connecter")).to_have_attribute(
        "href", "/auth/login?returnTo=%2Fbookings"
    )
    page.goto("/bookings/W5GWPH?payment=pay_x")
    expect(page.get_by_role("main")).to_contain_text("Connectez-vous pour voir cette réservation.")
    expect(page.get_by_role("navigation").get_by_role("link", name="Mes réservations")).to_have_count(0)
