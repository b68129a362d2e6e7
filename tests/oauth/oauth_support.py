"""Helpers for the OAuth 2 tests (tests/oauth), which run against a live platform through its gateway.

Run: script/test, or by hand with the platform up:
    SETRAG_BASE_URL=http://127.0.0.1:18080 SETRAG_GATEWAY_OAUTH_CLIENT_SECRET=... SETRAG_DEMO_PASSWORD=... \
        .venv/bin/python -m pytest -q tests/oauth

Nothing here is ever skipped: missing settings fail the tests with a message saying what to export.

Budget. The gateway rate-limits `POST /oauth/authorize` and `/oauth/token` per client address (about 10 a
minute, burst 20), and identity throttles an account after 5 wrong passwords. The module therefore signs in
five times in all (customer x4, admin x1), makes about 15 token calls, never sends a wrong password for a demo
account, and waits out any 429 (honouring Retry-After) instead of failing.
"""
from __future__ import annotations

import base64
import json
import os
import time
import warnings
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import KeySet

WEB_CLIENT_ID = "setrag-web"
API_AUDIENCE = "setrag-api"
CUSTOMER = "client@demo.setrag.ga"
ADMIN = "admin@demo.setrag.ga"
TIMEOUT = 20  # seconds per HTTP request: a slow machine, but never a hang
MAX_429_WAIT = 90  # seconds we accept to wait for one Retry-After
MAX_429_RETRIES = 6
# How the flows authenticate clients at /oauth/token and /oauth/introspect. Identity offers client_secret_basic
# and client_secret_post; the flows use the form fields so that a failure of one method (tested on its own in
# test_client_secret_basic_is_accepted) does not hide everything else.
CLIENT_AUTH = "client_secret_post"

REQUIRED_ENV = {
    "SETRAG_BASE_URL": "the gateway's public URL, e.g. http://127.0.0.1:18080",
    "SETRAG_GATEWAY_OAUTH_CLIENT_SECRET": "the secret of the confidential client setrag-web",
    "SETRAG_DEMO_PASSWORD": "the password of the demo accounts (setrag seed --demo)",
}


# ---------------------------------------------------------------------------------------------- settings

@dataclass(frozen=True)
class Platform:
    base_url: str
    web_client_secret: str = field(repr=False)
    demo_password: str = field(repr=False)

    @property
    def redirect_uri(self) -> str:
        return self.base_url + "/auth/callback"

    @property
    def web_client(self) -> tuple[str, str]:
        return WEB_CLIENT_ID, self.web_client_secret

    @property
    def authorize_url(self) -> str:
        return self.base_url + "/oauth/authorize"

    @property
    def token_url(self) -> str:
        return self.base_url + "/oauth/token"

    @property
    def introspect_url(self) -> str:
        return self.base_url + "/oauth/introspect"

    @property
    def me_url(self) -> str:
        return self.base_url + "/api/v1/me"


def load_platform() -> Platform:
    missing = [f"{name} ({what})" for name, what in REQUIRED_ENV.items() if not os.environ.get(name)]
    if missing:
        pytest.fail("The OAuth tests need a running platform; export " + "; ".join(missing)
                    + ". script/test exports them all.", pytrace=False)
    base = os.environ["SETRAG_BASE_URL"].rstrip("/")
    try:
        requests.get(base + "/healthz", timeout=TIMEOUT)
    except requests.RequestException as error:
        pytest.fail(f"The gateway at {base} does not answer: {error}", pytrace=False)
    return Platform(base, os.environ["SETRAG_GATEWAY_OAUTH_CLIENT_SECRET"], os.environ["SETRAG_DEMO_PASSWORD"])


# ---------------------------------------------------------------------------------------------- patience

def retry_after_seconds(response: requests.Response) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        seconds = float(value)
    except ValueError:
        seconds = 10.0  # an HTTP-date or nothing: wait a while anyway
    assert seconds <= MAX_429_WAIT, f"Retry-After {value!r} is longer than {MAX_429_WAIT} s: {response.url}"
    return max(seconds, 1.0)


class PatientMixin:
    """Waits out a gateway 429 (sleeping Retry-After seconds) and sends the request again.

    Resending is safe: the gateway refuses before the request reaches identity, so no code or refresh token was
    consumed by the refused attempt."""

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        for _ in range(MAX_429_RETRIES):
            response = super().request(method, url, *args, **kwargs)
            if response.status_code != 429:
                return response
            time.sleep(retry_after_seconds(response))
        return response


class PatientSession(PatientMixin, requests.Session):
    """A plain HTTP session (one per flow: it keeps only the cookies of that flow)."""


class PatientOAuth2Session(PatientMixin, OAuth2Session):
    """Authlib's requests-based OAuth 2 client, with the same patience."""


def http(method: str, url: str, **kwargs) -> requests.Response:
    """One request from a fresh cookie-less session (no gateway cookies, so no CSRF header is involved)."""
    with PatientSession() as session:
        return session.request(method, url, allow_redirects=False, **kwargs)


# ---------------------------------------------------------------------------------------------- HTML forms

class FormParser(HTMLParser):
    """Collects each <form>'s method, action and named <input>s (hidden or not)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action") or "",
                               "inputs": {}, "types": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            form = self.forms[-1]
            form["inputs"][attrs["name"]] = attrs.get("value") or ""
            form["types"][attrs["name"]] = (attrs.get("type") or "text").lower()


def parse_login_form(html: str) -> dict:
    parser = FormParser()
    parser.feed(html)
    forms = [form for form in parser.forms if "password" in form["inputs"]]
    assert len(forms) == 1, f"expected one sign-in form with a password field, found {len(parser.forms)} forms"
    return forms[0]


# ---------------------------------------------------------------------------------------------- JWT helpers

def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def json_b64(value: dict) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def jwt_parts(token: str) -> tuple[dict, dict, bytes]:
    """Header, claims and signature of a compact JWS, without verifying anything."""
    header, payload, signature = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload)), b64url_decode(signature)


def verify_with_jwks(token: str, jwks: dict):
    """Verifies an access token's signature with the published JWKS (joserfc picks the key by `kid`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)  # joserfc notes that RFC 9864 deprecates "EdDSA"
        return jws.deserialize_compact(token, KeySet.import_key_set(jwks), algorithms=["EdDSA"])


# ---------------------------------------------------------------------------------------------- sign-in

@dataclass
class SignIn:
    """One authorization code flow with PKCE: the sign-in page, the redirect with the code and (once exchanged)
    the tokens."""
    oauth: PatientOAuth2Session
    state: str
    code_verifier: str
    location: str
    code: str
    login_page: requests.Response
    login_form: dict
    token: dict = field(default_factory=dict)
    token_response: requests.Response | None = None

    def exchange(self, platform: "Platform", code_verifier: str | None = None) -> dict:
        """Exchanges the code with Authlib, which takes it from the redirect, checks the state and sends
        redirect_uri and the verifier. Raises Authlib's OAuthError on an OAuth error answer."""
        def capture(response):
            # Authlib would take any JSON object without "error" for a token (a problem document, say).
            assert response.status_code == 200 or response.headers.get("Content-Type", "").startswith(
                "application/json"), f"POST /oauth/token: {response.status_code} {response.text[:300]}"
            self.token_response = response
            return response

        self.oauth.compliance_hook["access_token_response"] = {capture}
        token = self.oauth.fetch_token(platform.token_url, authorization_response=self.location, state=self.state,
                                       code_verifier=code_verifier or self.code_verifier)
        assert self.token_response.status_code == 200, self.token_response.text[:300]
        self.token = dict(token)
        return self.token


def authorization_request(platform: Platform, scope: str = "openid profile"):
    """A fresh Authlib client for setrag-web and its authorization URL (S256 challenge of a new verifier)."""
    oauth = PatientOAuth2Session(client_id=WEB_CLIENT_ID, client_secret=platform.web_client_secret,
                                 redirect_uri=platform.redirect_uri, code_challenge_method="S256", scope=scope,
                                 token_endpoint_auth_method=CLIENT_AUTH)
    code_verifier = generate_token(64)
    url, state = oauth.create_authorization_url(platform.authorize_url, code_verifier=code_verifier)
    return oauth, url, state, code_verifier


def authorize(platform: Platform, username: str, scope: str = "openid profile") -> SignIn:
    """Drives identity's sign-in page like a browser would, up to the redirect that carries the code."""
    oauth, url, state, code_verifier = authorization_request(platform, scope)
    with PatientSession() as browser:
        page = browser.get(url, allow_redirects=False)
        assert page.status_code == 200, f"GET /oauth/authorize: {page.status_code} {page.text[:300]}"
        assert page.headers.get("Content-Type", "").startswith("text/html")
        form = parse_login_form(page.text)
        assert form["method"] == "post"
        assert form["inputs"].get("csrf"), "the sign-in form has no csrf field"
        fields = {name: value for name, value in form["inputs"].items() if form["types"][name] == "hidden"}
        fields.update(username=username, password=platform.demo_password)
        # Never follow the redirect: /auth/callback is the gateway's, and it would spend the code.
        submitted = browser.post(urljoin(page.url, form["action"] or page.url), data=fields, allow_redirects=False)
        assert submitted.status_code == 303, (
            f"POST /oauth/authorize for {username}: {submitted.status_code} {submitted.text[:300]}")
    location = submitted.headers["Location"]
    assert location.startswith(platform.redirect_uri + "?"), f"redirected to {location}"
    query = parse_qs(urlsplit(location).query)
    assert query.get("state") == [state]
    assert query.get("iss") == [platform.base_url], f"iss in the redirect: {query.get('iss')}"
    assert len(query.get("code", [])) == 1 and query["code"][0]
    return SignIn(oauth=oauth, state=state, code_verifier=code_verifier, location=location, code=query["code"][0],
                  login_page=page, login_form=form)


def sign_in(platform: Platform, username: str, scope: str = "openid profile") -> SignIn:
    """The whole flow: sign in, then exchange the code."""
    signed = authorize(platform, username, scope)
    signed.exchange(platform)
    return signed


def client_post(url: str, data: dict, client: tuple[str, str] | None, basic: bool = False) -> requests.Response:
    """A form post authenticated as `client` (id, secret): form fields, or HTTP Basic when `basic`."""
    data = dict(data)
    auth = None
    if client is not None and basic:
        auth = client
    elif client is not None:
        data.update(client_id=client[0], client_secret=client[1])
    return http("POST", url, data=data, auth=auth)


def token_request(platform: Platform, data: dict, client: tuple[str, str] | None = None,
                  basic: bool = False) -> requests.Response:
    """A raw token request (for answers Authlib would turn into exceptions), as setrag-web unless told."""
    return client_post(platform.token_url, data, client or platform.web_client, basic)


def introspect(platform: Platform, token: str, client: tuple[str, str] | None = None, basic: bool = False) -> dict:
    response = client_post(platform.introspect_url, {"token": token}, client or platform.web_client, basic)
    assert response.status_code == 200, f"introspection: {response.status_code} {response.text[:300]}"
    return response.json()


def get_me(platform: Platform, token: str | None = None, headers: dict | None = None) -> requests.Response:
    headers = dict(headers or {})
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return http("GET", platform.me_url, headers=headers)


def oauth_error(response: requests.Response) -> str:
    assert response.headers.get("Content-Type", "").startswith("application/json"), (
        f"{response.status_code} {response.headers.get('Content-Type')}: {response.text[:300]}")
    return response.json().get("error")
