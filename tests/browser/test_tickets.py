"""E-tickets on a confirmed booking's page, against the real platform: the demo customer books a second-class seat
of train 211 with a baby on the lap, pays by Airtel Money (the E-Billing simulator confirms), and the booking page
shows one ticket per passenger with its QR code. Each QR code is photographed and decoded with OpenCV: it must say
exactly the ticket's `qr` of `GET /api/v1/bookings/{pnr}/tickets`. Then the network goes and, after a reload, the
tickets still show (saved on the device).

Needs SETRAG_DEMO_PASSWORD besides SETRAG_BASE_URL; the steps up to the payment are test_booking.py's.
"""
import re

import cv2
from playwright.sync_api import expect

from conftest import ARTIFACTS
from test_booking import PNR_URL, choose_seats, fill_sign_in_form, fill_traveller, results_url, traveller

PHONE = {"width": 360, "height": 740}


def sign_in_book_and_pay(page) -> str:
    """Signed in as the demo customer: one adult with a baby on the lap, paid by Airtel Money; returns the PNR."""
    page.goto("/auth/login?returnTo=%2Fprofile")
    fill_sign_in_form(page)
    expect(page).to_have_url(re.compile(r"/profile$"))
    page.goto(results_url(1))
    choose_seats(page, 1)
    fill_traveller(page, 1, "Awa Ndong", "GA123456")
    traveller(page, 1).get_by_label("+ bébé sur les genoux").check()
    traveller(page, 1).get_by_label("Nom et prénom du bébé", exact=True).fill("Noa Ndong")
    page.get_by_label("Téléphone mobile", exact=True).fill("074 12 34 56")
    page.get_by_role("button", name="Réserver", exact=True).click()
    expect(page).to_have_url(PNR_URL)
    pnr = PNR_URL.search(page.url).group(1)
    expect(page.get_by_role("radio", name=re.compile(r"^Airtel Money"))).to_be_checked()
    page.get_by_role("button", name=re.compile(r"^Payer \d")).click()
    expect(page.get_by_role("heading", name="Réservation confirmée")).to_be_visible(timeout=20_000)
    return pnr


def decode_qr(path) -> str:
    """OpenCV's QR decoders: the classic one, then the ArUco-based one, which copes better with modules a
    fraction of a pixel apart (a 53-module code drawn 294 px wide)."""
    image = cv2.imread(str(path))
    assert image is not None, path
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        text, points, _ = detector.detectAndDecode(image)
        if text:
            return text
    raise AssertionError(f"no QR code could be read in {path}")


def check_tickets(page, api_tickets) -> None:
    main = page.get_by_role("main")
    cards = main.locator("article.ticket")
    expect(cards).to_have_count(len(api_tickets))
    expect(main).to_contain_text("Augmentez la luminosité de l’écran")
    for ticket in api_tickets:
        card = page.get_by_role("article", name=ticket["passengerName"], exact=True)
        expect(card).to_contain_text("Valable jusqu’au")
        expect(card).to_contain_text("Train 211")
        expect(card).to_contain_text("Deuxième classe")
        if ticket["lapInfant"]:
            expect(card).to_contain_text("Bébé sur les genoux, sans place")
        else:
            seat = ticket["seat"]
            expect(card).to_contain_text(f"Voiture {seat['coach']} · Place {seat['seat']}")
        expect(card.get_by_role("img", name=f"Code QR du billet de {ticket['passengerName']}")).to_be_visible()


def test_confirmed_booking_shows_one_scannable_ticket_per_passenger_also_offline(new_context, screenshot):
    context = new_context(viewport=PHONE)
    page = context.new_page()
    pnr = sign_in_book_and_pay(page)

    answer = page.request.get(f"/api/v1/bookings/{pnr}/tickets")
    assert answer.ok, answer.status
    api = answer.json()
    assert api["pnr"] == pnr and api["status"] == "confirmed"
    tickets = api["tickets"]
    assert sorted(t["passengerName"] for t in tickets) == ["Awa Ndong", "Noa Ndong"]
    assert [t["lapInfant"] for t in tickets if t["passengerName"] == "Noa Ndong"] == [True]
    assert all(re.fullmatch(r"[0-9A-Z $%*+\-./:]+", t["qr"]) for t in tickets)

    check_tickets(page, tickets)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "-1-tickets")

    # Each QR code: at least 60 % of the phone's width, and it reads back as the ticket's signed text.
    for ticket in tickets:
        card = page.get_by_role("article", name=ticket["passengerName"], exact=True)
        qr = card.get_by_role("img", name=re.compile(r"^Code QR"))
        qr.scroll_into_view_if_needed()
        box = qr.bounding_box()
        assert box["width"] >= 0.6 * PHONE["width"], box
        path = ARTIFACTS / f"tickets-qr-{ticket['id']}.png"
        qr.screenshot(path=str(path))
        assert decode_qr(path) == ticket["qr"], path

    # No network, on the train: the page opens again from the shell and the tickets saved on the device.
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    try:
        page.reload()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Réservation {pnr}")
        expect(page.get_by_role("main")).to_contain_text("Hors connexion")
        check_tickets(page, tickets)
        screenshot(page, "-2-offline")
        first = page.get_by_role("article", name=tickets[0]["passengerName"], exact=True)
        path = ARTIFACTS / "tickets-qr-offline.png"
        first.get_by_role("img").screenshot(path=str(path))
        assert decode_qr(path) == tickets[0]["qr"]
    finally:
        context.set_offline(False)
