"""The staff screens against the real platform (gateway, identity, inventory, booking, payments, the E-Billing
simulator): a traveller's ticket from the search to the conductor's check, a counter sale paid in cash, and a
conductor checking tickets with no network on the train. Elements are found by role and accessible name.

Needs SETRAG_DEMO_PASSWORD and SETRAG_GATEWAY_OAUTH_CLIENT_SECRET besides SETRAG_BASE_URL. The traveller's journey
and the offline check need a train whose tickets are valid now (from 18:00 the day before it leaves): operations add
an extra train leaving in two hours (see `staff_support.train_valid_now`).
"""
import json
import re

import cv2
from playwright.sync_api import expect

from conftest import ARTIFACTS
from staff_support import (
    AGENT,
    CONDUCTOR,
    CUSTOMER,
    OPERATOR,
    buy_one_seat_with_airtel,
    PHONE,
    forged_seat,
    french_short_day_time,
    next_train_date,
    no_horizontal_scroll,
    now_local,
    sell_by_api,
    ticket_valid_from,
    train_of_a_later_day,
    train_valid_now,
)


def check_code(page, code: str) -> None:
    """On the conductor's page: the code typed (as a QR reader or a person would) and "Contrôler"."""
    page.get_by_label("Code du billet", exact=True).fill(code)
    page.get_by_role("button", name="Contrôler", exact=True).click()


LATER_DAY = "Billet authentique, pour un jour suivant"


def verdict(page):
    return page.get_by_role("region", name=re.compile(rf"^(Billet valable|Billet refusé|{LATER_DAY})$"))


def decode_qr(path) -> str:
    image = cv2.imread(str(path))
    assert image is not None, path
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        text, _, _ = detector.detectAndDecode(image)
        if text:
            return text
    raise AssertionError(f"no QR code could be read in {path}")


def test_a_traveller_books_and_pays_then_the_conductor_checks_the_ticket(new_context, states, screenshot):
    # The customer, on a phone: Owendo -> Franceville on a train whose tickets are good now, one seat, Airtel Money.
    customer = new_context(viewport=PHONE, is_mobile=True, has_touch=True, storage_state=states(CUSTOMER)).new_page()
    train = train_valid_now(customer.request)
    number = train["trip"]["trainNumber"]
    bought = buy_one_seat_with_airtel(customer, train["date"], number, "Paul Moussavou", "GA445566", "074 55 66 77")
    pnr, coach_no, seat_no, ticket = bought["pnr"], bought["coach"], bought["seat"], bought["ticket"]
    screenshot(customer, "-1-customer-ticket")

    # The conductor, on a phone in the train: the staff area, then the ticket check.
    conductor = new_context(viewport=PHONE, is_mobile=True, has_touch=True, storage_state=states(CONDUCTOR)).new_page()
    conductor.goto("/")
    conductor.get_by_role("navigation").get_by_role("link", name="Espace agents", exact=True).click()
    expect(conductor.get_by_role("heading", level=1)).to_have_text("Espace agents")
    expect(conductor.get_by_role("link", name="Vente au guichet")).to_have_count(0)  # agents only
    conductor.get_by_role("link", name="Contrôle des billets", exact=True).click()
    expect(conductor.get_by_role("heading", level=1)).to_have_text("Contrôle des billets")
    main = conductor.get_by_role("main")
    # The camera reads QR codes where the browser can (BarcodeDetector); otherwise the page says so.
    expect(
        conductor.get_by_role("button", name="Scanner le code QR").or_(
            conductor.get_by_text("Ce navigateur ne sait pas lire les codes QR avec la caméra")
        )
    ).to_be_visible()
    expect(main).to_contain_text("Clés de vérification enregistrées sur cet appareil")

    check_code(conductor, ticket["qr"])
    result = verdict(conductor)
    expect(result).to_have_accessible_name("Billet valable")
    for text in ["Paul Moussavou", f"Voiture {coach_no}, place {seat_no}", "Deuxième classe", "Owendo → Franceville",
                 f"Train {number}", ticket["id"], f"réservation {pnr}"]:
        expect(result).to_contain_text(text)
    expect(result).not_to_contain_text("déjà contrôlé")
    expect(result).not_to_contain_text("Contrôlé hors connexion")
    no_horizontal_scroll(conductor)
    screenshot(conductor, "-2-valid")

    # A second check of the same ticket: still valid, flagged with the time of the first.
    check_code(conductor, ticket["qr"])
    expect(result).to_contain_text(re.compile(r"Attention\s:\sbillet déjà contrôlé le \d\d/\d\d/\d{4} \d\dh\d\d\."))
    expect(result).to_have_accessible_name("Billet valable")
    screenshot(conductor, "-3-already-scanned")

    # The customer cancels: the conductor's next check refuses the ticket.
    customer.get_by_role("button", name="Annuler la réservation").click()
    customer.get_by_role("button", name="Oui, annuler").click()
    expect(customer.get_by_role("heading", name="Réservation annulée, remboursement en cours")).to_be_visible()
    check_code(conductor, ticket["qr"])
    expect(result).to_have_accessible_name("Billet refusé")
    expect(result).to_contain_text("Réservation annulée.")
    no_horizontal_scroll(conductor)
    screenshot(conductor, "-4-cancelled")



def test_b_counter_sale_paid_in_cash_prints_the_tickets(new_context, states, screenshot):
    page = new_context(storage_state=states(AGENT)).new_page()
    page.goto("/agent")
    page.get_by_role("link", name="Vente au guichet", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vente au guichet")
    when = next_train_date(page.request)

    # A walk-in customer: two adults, Owendo -> Franceville.
    expect(page.get_by_label("Départ", exact=True)).to_have_value("OWE")
    page.get_by_label("Départ", exact=True).select_option(label="Owendo")
    page.get_by_label("Arrivée", exact=True).select_option(label="Franceville")
    page.get_by_label("Date", exact=True).fill(when)
    page.get_by_label("Adultes (12 ans et plus)", exact=True).fill("2")
    page.get_by_role("button", name="Chercher les trains", exact=True).click()
    trip = page.get_by_role("article").first
    expect(trip).to_contain_text("Owendo → Franceville")
    number = re.match(r"Train (\d+)", trip.get_by_role("heading").inner_text()).group(1)
    trip.get_by_role("button", name=re.compile(r"^Deuxième classe\s:\s[\d\s\u202f\u00a0]+FCFA")).click()

    # Seats chosen on the plan.
    expect(page.get_by_role("heading", name="Les voyageurs")).to_be_visible()
    page.get_by_label("Choisir les places sur le plan").check()
    free = page.get_by_role("button", name=re.compile(r"^Voiture \d+, place \d+, libre$"))
    seats = []
    for _ in range(2):
        seat = free.first
        seats.append(re.match(r"Voiture (\d+), place (\d+)", seat.get_attribute("aria-label")).groups())
        seat.click()
    for coach, number_ in seats:
        expect(page.get_by_role("button", name=f"Voiture {coach}, place {number_}, choisie")).to_have_attribute(
            "aria-pressed", "true")
    expect(page.get_by_role("main")).to_contain_text("2 place(s) choisie(s) sur 2.")

    # The travellers' names and ID numbers; a mistake is explained next to its field first.
    create = page.get_by_role("button", name="Créer la réservation", exact=True)
    travellers = [("Jean Obiang", "GA100200"), ("Marie Obiang", "GA100201")]
    for i, (name, id_number) in enumerate(travellers, start=1):
        group = page.get_by_role("group", name=re.compile(rf"^Voyageur {i} · Adulte"))
        group.get_by_label("Nom et prénom", exact=True).fill(name)
        group.get_by_label("Numéro de la pièce d’identité", exact=True).fill(id_number)
    phone = page.get_by_label("Téléphone mobile du client", exact=True)
    phone.fill("012 34")
    create.click()
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_be_focused()
    phone.fill("066 12 34 56")
    create.click()

    # The booking to be paid, then the cash taken.
    due = page.get_by_role("heading", name=re.compile(r"^Réservation [2-9A-HJKMNP-Z]{6}\s:\sà encaisser$"))
    expect(due).to_be_visible()
    pnr = re.search(r"Réservation (\w{6})", due.inner_text()).group(1)
    main = page.get_by_role("main")
    expect(main).to_contain_text(re.compile(r"Total à payer\s:\s[\d\s\u202f\u00a0]+FCFA"))
    for name, _ in travellers:
        expect(main).to_contain_text(name)
    screenshot(page, "-1-to-pay")
    page.get_by_role("button", name=re.compile(r"^Encaisser [\d\s\u202f\u00a0]+FCFA en espèces$")).click()
    expect(page.get_by_role("heading", name=f"Réservation {pnr} payée")).to_be_visible()
    expect(main).to_contain_text("reçus en espèces")

    # The tickets, one per traveller, with their QR codes, ready to print.
    api = page.request.get(f"/api/v1/bookings/{pnr}/tickets")
    assert api.ok, api.status
    tickets = api.json()["tickets"]
    assert sorted(t["passengerName"] for t in tickets) == sorted(n for n, _ in travellers)
    assert sorted((str(t["seat"]["coach"]), str(t["seat"]["seat"])) for t in tickets) == sorted(seats)
    expect(page.get_by_role("button", name="Imprimer les billets")).to_be_visible()
    for t in tickets:
        card = page.get_by_role("article", name=t["passengerName"], exact=True)
        expect(card).to_contain_text(f"Voiture {t['seat']['coach']} · Place {t['seat']['seat']}")
        expect(card).to_contain_text(f"Train {number}")
        expect(card).to_contain_text("Deuxième classe")
        qr = card.get_by_role("img", name=f"Code QR du billet de {t['passengerName']}")
        expect(qr).to_be_visible()
        path = ARTIFACTS / f"counter-sale-qr-{t['id']}.png"
        qr.screenshot(path=str(path))
        assert decode_qr(path) == t["qr"], path
    screenshot(page, "-2-tickets")

    # Printed: only the tickets, not the app around them.
    page.emulate_media(media="print")
    expect(page.get_by_role("banner")).to_be_hidden()
    expect(page.get_by_role("button", name="Imprimer les billets")).to_be_hidden()
    expect(page.get_by_role("img", name=f"Code QR du billet de {travellers[0][0]}")).to_be_visible()
    page.emulate_media(media="screen")


def test_c_conductor_checks_tickets_offline_then_sends_the_checks(new_context, states, screenshot):
    # Setup: a ticket sold at the counter (through the API) on a train whose tickets are good now.
    agent = new_context(storage_state=states(AGENT)).new_page()
    agent.goto("/agent")
    train = train_valid_now(agent.request)
    trip = train["trip"]
    sold = sell_by_api(agent, trip["id"], "OWE", "FCV", [("Rose Nzé", "GA990011")])
    ticket = sold["tickets"][0]

    # The conductor opens the check page with the network: the keys are kept on the phone.
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True, storage_state=states(CONDUCTOR))
    page = context.new_page()
    page.goto("/agent/check")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Clés de vérification enregistrées sur cet appareil")
    expect(main).to_contain_text("Aucun contrôle en attente d’envoi.")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    # No network between two stations.
    context.set_offline(True)
    try:
        expect(main).to_contain_text("Hors connexion : les billets sont vérifiés sur cet appareil")
        check_code(page, ticket["qr"])
        result = verdict(page)
        expect(result).to_have_accessible_name("Billet valable")
        expect(result).to_contain_text("Contrôlé hors connexion.")
        expect(result).to_contain_text(f"Voiture {ticket['seat']['coach']}, place {ticket['seat']['seat']}")
        expect(result).to_contain_text("Owendo → Franceville")
        expect(result).to_contain_text("Deuxième classe")
        expect(result).to_contain_text(ticket["id"])
        expect(main).to_contain_text("1 contrôle en attente d’envoi à SETRAG.")
        no_horizontal_scroll(page)
        screenshot(page, "-1-valid-offline")

        # A forged code (another seat written into a real ticket): the signature does not match.
        check_code(page, forged_seat(ticket["qr"]))
        expect(result).to_have_accessible_name("Billet refusé")
        expect(result).to_contain_text("Signature invalide : ce billet a été modifié ou falsifié.")
        expect(result).not_to_contain_text(ticket["id"])
        expect(main).to_contain_text("1 contrôle en attente d’envoi à SETRAG.")
        screenshot(page, "-2-forged-offline")

        # The phone restarts the page with no network: the check still works, and remembers the first check.
        page.reload()
        expect(page.get_by_role("heading", level=1)).to_have_text("Contrôle des billets")
        expect(main).to_contain_text("1 contrôle en attente d’envoi à SETRAG.")
        check_code(page, ticket["qr"])
        expect(result).to_have_accessible_name("Billet valable")
        expect(result).to_contain_text("Attention : billet déjà contrôlé sur cet appareil le")
        expect(main).to_contain_text("2 contrôles en attente d’envoi à SETRAG.")
        screenshot(page, "-3-again-offline")
    finally:
        context.set_offline(False)

    # The network is back: the checks are sent, and booking knows the ticket was checked.
    expect(main).to_contain_text("Aucun contrôle en attente d’envoi.", timeout=20_000)
    expect(main).to_contain_text("Les contrôles faits hors connexion ont été envoyés à SETRAG.")
    manifest = page.request.get(f"/api/v1/tickets/manifest?tripId={trip['id']}")
    assert manifest.ok, manifest.status
    rows = [p for p in manifest.json()["passengers"] if p["ticketId"] == ticket["id"]]
    assert len(rows) == 1 and rows[0]["scanned"] is True, rows
    check_code(page, ticket["qr"])
    expect(verdict(page)).to_have_accessible_name("Billet valable")
    expect(verdict(page)).to_contain_text("Attention : billet déjà contrôlé le")
    expect(verdict(page)).not_to_contain_text("Contrôlé hors connexion")
    screenshot(page, "-4-synced")

    # The train's passenger list, from the staff area: the traveller, by coach and seat, checked.
    page.goto(f"/agent/manifest?date={trip['serviceDate']}")
    page.get_by_role("link", name=re.compile(rf"^Train {trip['trainNumber']} · Owendo → Franceville")).click()
    expect(page.get_by_role("heading", name=re.compile(rf"^Voyageurs du train {trip['trainNumber']} du "))).to_be_visible()
    coach = page.get_by_role("table", name=f"Voiture {ticket['seat']['coach']}")
    row = coach.get_by_role("row").filter(has_text=sold["pnr"])
    expect(row).to_contain_text("Rose Nzé")
    expect(row).to_contain_text(str(ticket["seat"]["seat"]))
    expect(row).to_contain_text("GA990011")
    expect(row).to_contain_text(re.compile(r"Contrôlé le \d\d/\d\d/\d{4} \d\dh\d\d"))
    expect(page.get_by_role("button", name="Imprimer la liste")).to_be_visible()
    no_horizontal_scroll(page)
    screenshot(page, "-5-manifest")

    # The same screens in English.
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passenger list")
    expect(page.get_by_role("button", name="Print the list")).to_be_visible()
    row = page.get_by_role("table", name=f"Coach {ticket['seat']['coach']}").get_by_role("row").filter(has_text=sold["pnr"])
    expect(row).to_contain_text(re.compile(r"Checked on \d\d/\d\d/\d{4} \d\d:\d\d"))
    page.get_by_role("link", name="Check this train’s tickets").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ticket check")
    expect(page.get_by_role("main")).to_contain_text(f"Checking trip no. {trip['id']}")
    page.get_by_label("Ticket code", exact=True).fill(ticket["qr"])
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_role("region", name="Valid ticket")).to_contain_text("Warning: ticket already checked on")
    screenshot(page, "-6-english")


def test_d_a_phone_with_a_qr_reader_checks_the_code_the_camera_reads(new_context, states, screenshot):
    """Headless Chromium on Linux has no `BarcodeDetector` and no camera: this phone's are stand-ins (the camera
    films a blank canvas, the detector "reads" the ticket once the video plays), to show the page's use of them."""
    agent = new_context(storage_state=states(AGENT)).new_page()
    agent.goto("/agent")
    tomorrow = next_train_date(agent.request)
    trips = agent.request.get(f"/api/v1/trips?from=OWE&to=FCV&date={tomorrow}&passengers=1").json()["trips"]
    ticket = sell_by_api(agent, trips[0]["id"], "OWE", "FCV", [("Yann Mba", "GA334455")])["tickets"][0]

    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True, storage_state=states(CONDUCTOR))
    context.add_init_script(
        """(() => {
            const code = %s;
            window.BarcodeDetector = class {
                static async getSupportedFormats() { return ['qr_code', 'ean_13']; }
                constructor(options) { this.formats = options.formats; }
                async detect(video) {
                    return this.formats.includes('qr_code') && video.srcObject ? [{rawValue: code, format: 'qr_code'}] : [];
                }
            };
            navigator.mediaDevices.getUserMedia = async () => {
                const canvas = document.createElement('canvas');
                canvas.width = 64; canvas.height = 64;
                canvas.getContext('2d').fillRect(0, 0, 64, 64);
                return canvas.captureStream(5);
            };
        })();"""
        % json.dumps(ticket["qr"])
    )
    page = context.new_page()
    page.goto("/agent/check")
    page.get_by_role("button", name="Scanner le code QR", exact=True).click()
    result = verdict(page)
    expect(result).to_be_visible()
    expect(page.get_by_label("Code du billet", exact=True)).to_have_value(ticket["qr"])
    expect(result).to_contain_text("Yann Mba")
    expect(result).to_contain_text(f"Voiture {ticket['seat']['coach']}, place {ticket['seat']['seat']}")
    # Valid from 18:00 the day before the train; before that, an authentic ticket for a later day.
    if ticket_valid_from(ticket["trip"]["serviceDate"]) <= now_local():
        expect(result).to_have_accessible_name("Billet valable")
    else:
        expect(result).to_have_accessible_name(LATER_DAY)
    expect(page.get_by_role("button", name="Arrêter la caméra")).to_have_count(0)  # the camera stops once read
    screenshot(page, "-scanned")


def test_e_a_ticket_for_a_later_day_is_authentic_but_not_for_today_online_and_offline(new_context, states, screenshot):
    # Setup: a ticket sold at the counter (through the API) for a train at least two days away.
    agent = new_context(storage_state=states(AGENT)).new_page()
    agent.goto("/agent")
    train = train_of_a_later_day(agent.request)
    trip = train["trip"]
    ticket = sell_by_api(agent, trip["id"], "OWE", "FCV", [("Jules Ondo", "GA551177")])["tickets"][0]
    good_from = f"Valable à partir du {french_short_day_time(ticket_valid_from(trip['serviceDate']))}"
    service_date = "/".join(reversed(trip["serviceDate"].split("-")))

    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True, storage_state=states(CONDUCTOR))
    page = context.new_page()
    page.goto("/agent/check")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Clés de vérification enregistrées sur cet appareil")

    # Online: booking says not yet valid; the page says the ticket is genuine, for which train, and from when.
    check_code(page, ticket["qr"])
    result = verdict(page)
    expect(result).to_have_accessible_name(LATER_DAY)
    expect(result).to_have_class(re.compile(r"\bcheck-result--later\b"))  # neither the green nor the red one
    expect(result).to_contain_text(good_from)
    expect(result).to_contain_text("Signature vérifiée. Le voyageur ne peut pas embarquer aujourd’hui")
    for text in ["Jules Ondo", f"Voiture {ticket['seat']['coach']}, place {ticket['seat']['seat']}",
                 "Owendo → Franceville", f"Train {trip['trainNumber']} · {service_date}", ticket["id"]]:
        expect(result).to_contain_text(text)
    expect(result).not_to_contain_text("Billet pour un jour suivant.")
    no_horizontal_scroll(page)
    screenshot(page, "-1-online")

    # Offline: the device checks the signature and the dates itself, and says the same.
    context.set_offline(True)
    try:
        expect(main).to_contain_text("Hors connexion : les billets sont vérifiés sur cet appareil")
        check_code(page, ticket["qr"])
        expect(result).to_have_accessible_name(LATER_DAY)
        expect(result).to_contain_text("Contrôlé hors connexion.")
        expect(result).to_contain_text(good_from)
        expect(result).to_contain_text(f"Voiture {ticket['seat']['coach']}, place {ticket['seat']['seat']}")
        expect(result).to_contain_text(f"Trajet n° {trip['id']} · {service_date}")
        screenshot(page, "-2-offline")
    finally:
        context.set_offline(False)


def test_f_an_operator_reads_manifests_but_does_not_check_tickets(new_context, states):
    page = new_context(storage_state=states(OPERATOR)).new_page()
    page.goto("/agent")
    expect(page.get_by_role("heading", level=1)).to_have_text("Espace agents")
    expect(page.get_by_role("link", name="Liste des voyageurs", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Contrôle des billets")).to_have_count(0)

    # Opened by its address: said plainly, with the way to what the role may do.
    page.goto("/agent/check")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contrôle des billets")
    expect(page.get_by_role("main")).to_contain_text(
        "Le contrôle des billets est réservé aux contrôleurs et aux agents")
    expect(page.get_by_label("Code du billet", exact=True)).to_have_count(0)
    page.get_by_role("link", name="Liste des voyageurs", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Liste des voyageurs")
