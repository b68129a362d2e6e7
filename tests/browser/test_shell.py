"""The web shell against the real gateway: sign up, sign in, profile, language, sign out; small screens;
offline start. Elements are found by role and accessible name, as a user (or a screen reader) finds them.
"""
import re
import uuid

from playwright.sync_api import expect

WELCOME_FR = "Bienvenue à bord du Transgabonais"
WELCOME_EN = "Welcome aboard the Transgabonais"


def test_sign_up_then_sign_in_see_profile_switch_language_and_sign_out(page, base_url, screenshot):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(WELCOME_FR)
    expect(page.get_by_role("button", name="Français", exact=True)).to_have_attribute("aria-pressed", "true")
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("link", name="Se connecter", exact=True)).to_be_visible()

    # Sign-up: the browser checks the rules first and explains each mistake next to its field.
    page.get_by_role("navigation").get_by_role("link", name="Créer un compte", exact=True).click()
    expect(page).to_have_url(re.compile(r"/signup$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    name = page.get_by_label("Votre nom", exact=True)
    username = page.get_by_label("Adresse e-mail ou numéro de téléphone", exact=True)
    password = page.get_by_label("Mot de passe", exact=True)
    create = page.get_by_role("button", name="Créer mon compte", exact=True)

    name.fill("Awa Ndong")
    username.fill("012 34 56")  # not a Gabonese mobile number
    password.fill("court")  # 5 characters
    create.click()
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(username).to_have_accessible_description(re.compile(r"numéro de mobile gabonais"))
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(
        re.compile(r"Le mot de passe doit contenir au moins 8 caractères\.")
    )
    expect(page.get_by_text("Le mot de passe doit contenir au moins 8 caractères.", exact=True)).to_be_visible()
    expect(username).to_be_focused()
    screenshot(page, "-1-field-errors")

    display_name = f"Awa Ndong {uuid.uuid4().hex[:6]}"
    email = f"awa.{uuid.uuid4().hex[:12]}@example.ga"
    passphrase = "Le train de nuit part a 19h10 d'Owendo"
    name.fill(display_name)
    username.fill(email)
    password.fill(passphrase)
    create.click()
    expect(page.get_by_role("heading", name="Votre compte est créé")).to_be_visible()
    screenshot(page, "-2-signed-up")

    # Sign-in happens on the gateway's server-rendered form, then the browser comes back to the profile.
    sign_in = page.get_by_role("main").get_by_role("link", name="Se connecter", exact=True)
    expect(sign_in).to_have_attribute("href", "/auth/login?returnTo=%2Fprofile")
    sign_in.click()
    # The gateway may pass through other URLs (OAuth authorize) before showing identity's form.
    page.get_by_label("Adresse e-mail ou numéro de téléphone", exact=True).fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(passphrase)
    page.get_by_role("button", name="Se connecter", exact=True).click()

    expect(page).to_have_url(re.compile(r"/profile$"))
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre profil")
    expect(main.get_by_text(display_name, exact=True)).to_be_visible()
    expect(main.get_by_text(email, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter", exact=True)).to_be_visible()
    screenshot(page, "-3-profile-fr")

    # English: the page changes language at once, and the choice is kept for the app and the server.
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    expect(main.get_by_text("Account created on", exact=True)).to_be_visible()
    expect(main.get_by_text(display_name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="English", exact=True)).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("localStorage.getItem('setrag.lang')") == "en"
    lang_cookies = [c for c in page.context.cookies() if c["name"] == "setrag_lang"]
    assert [(c["value"], c["path"], c["sameSite"]) for c in lang_cookies] == [("en", "/", "Lax")]
    screenshot(page, "-4-profile-en")

    # Sign-out: back to a signed-out home page, and the session is really gone on the server.
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"^[^?#]*://[^/]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(WELCOME_EN)
    expect(banner.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(main.get_by_text(display_name)).to_have_count(0)
    assert page.request.get(f"{base_url}/api/v1/me").status == 401


def test_small_phone_screen_has_no_horizontal_scroll(new_context, screenshot):
    page = new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True).new_page()

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(WELCOME_FR)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    screenshot(page, "-home")

    page.goto("/signup")
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    # With every field in error (the longest layout) it must still fit.
    page.get_by_role("button", name="Créer mon compte", exact=True).click()
    expect(page.get_by_label("Mot de passe", exact=True)).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    screenshot(page, "-signup")

    # The same in English, whose labels are laid out differently.
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360


def test_service_worker_serves_the_shell_offline_after_one_visit(new_context, screenshot):
    context = new_context()
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(WELCOME_FR)

    # The worker installs (caching the shell), activates and takes control of this page.
    state = page.evaluate("navigator.serviceWorker.ready.then((r) => r.active && r.active.state)")
    assert state in ("activating", "activated")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    assert page.evaluate("caches.keys()") != []

    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(WELCOME_FR)
    expect(page.get_by_role("button", name="English", exact=True)).to_be_visible()
    expect(page.get_by_text("Vous êtes hors connexion", exact=False)).to_be_visible()

    # Another route of the app also opens offline (navigations fall back to the cached shell).
    page.goto("/signup")
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    screenshot(page, "-offline")
    context.set_offline(False)
