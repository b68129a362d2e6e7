"""Identity's OAuth 2 server seen from outside, through the gateway, as a client would see it.

Covers: metadata and JWKS; the authorization code flow with PKCE (driven with Authlib and the HTML sign-in page);
code replay; refresh-token rotation and reuse detection; client credentials for a machine client; refusals of
flows that must not exist; and forged access tokens, each refused by the API with 401 problem+json.

See oauth_support.py for the settings (SETRAG_BASE_URL, SETRAG_GATEWAY_OAUTH_CLIENT_SECRET, SETRAG_DEMO_PASSWORD) and
for the rate-limit budget this module keeps to.
"""
from __future__ import annotations

import hashlib
import hmac
import sys
import time
import uuid
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuthError
from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import OKPKey

sys.path.insert(0, str(Path(__file__).parent))
from oauth_support import (  # noqa: E402
    ADMIN, API_AUDIENCE, CLIENT_AUTH, CUSTOMER, WEB_CLIENT_ID, PatientOAuth2Session, authorize, b64url_decode,
    b64url_encode, client_post, get_me, http, introspect, json_b64, jwt_parts, oauth_error, sign_in, token_request,
    verify_with_jwks,
)

pytestmark = pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning")


# ============================================================================================ 1. metadata, JWKS

def test_metadata_announces_only_safe_flows(platform, metadata):
    assert metadata["issuer"] == platform.base_url
    assert metadata["authorization_endpoint"] == platform.base_url + "/oauth/authorize"
    assert metadata["token_endpoint"] == platform.base_url + "/oauth/token"
    assert metadata["jwks_uri"] == platform.base_url + "/.well-known/jwks.json"
    assert metadata["introspection_endpoint"] == platform.base_url + "/oauth/introspect"
    assert metadata["revocation_endpoint"] == platform.base_url + "/oauth/revoke"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["response_types_supported"] == ["code"]
    grants = set(metadata["grant_types_supported"])
    assert {"authorization_code", "refresh_token", "client_credentials"} <= grants
    assert not grants & {"implicit", "password"}, grants
    assert metadata.get("authorization_response_iss_parameter_supported") is True


def test_jwks_publishes_ed25519_keys_with_kids(jwks):
    keys = jwks["keys"]
    assert keys, "the JWKS is empty"
    for key in keys:
        assert key["kty"] == "OKP" and key["crv"] == "Ed25519", key
        assert key.get("kid"), key
        assert key.get("alg", "EdDSA") == "EdDSA", key
        assert key.get("use", "sig") == "sig", key
        assert len(b64url_decode(key["x"])) == 32, key
        assert "d" not in key, "a private key is published in the JWKS"
    kids = [key["kid"] for key in keys]
    assert len(kids) == len(set(kids)), f"duplicate kids: {kids}"


# ============================================================================================ 2. code flow + PKCE

def test_sign_in_page_sets_its_csrf_cookie_on_oauth_only(customer):
    set_cookies = customer.login_page.raw.headers.getlist("Set-Cookie")
    cookies = [line for line in set_cookies if line.startswith("setrag_login_csrf=")]
    assert len(cookies) == 1, set_cookies
    cookie = cookies[0]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "path=/oauth" in attributes, cookie
    assert "httponly" in attributes, cookie
    assert customer.login_form["types"]["password"] == "password"
    assert "username" in customer.login_form["inputs"]


def test_pkce_code_flow_gives_the_customer_a_verifiable_access_token(platform, customer, jwks):
    token = customer.token
    assert token["token_type"].lower() == "bearer"
    assert token["expires_in"] > 0
    assert token.get("refresh_token")
    assert "no-store" in customer.token_response.headers.get("Cache-Control", "")

    me = get_me(platform, token["access_token"])
    assert me.status_code == 200, me.text[:300]
    user = me.json()
    assert user["email"] == CUSTOMER
    assert "customer" in user["roles"]

    header, claims, _ = jwt_parts(token["access_token"])
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "EdDSA"
    assert header["kid"] in {key["kid"] for key in jwks["keys"]}
    # The signature verifies with the published key of that kid (and with nothing else: see the forgeries below).
    verified = verify_with_jwks(token["access_token"], jwks)
    assert verified.headers()["kid"] == header["kid"]

    now = time.time()
    assert claims["iss"] == platform.base_url
    assert claims["aud"] == [API_AUDIENCE]
    assert claims["sub"] == user["id"]
    assert claims["client_id"] == WEB_CLIENT_ID
    assert "customer" in claims["roles"]
    assert claims["jti"]
    assert claims["iat"] <= now + 5 and claims["nbf"] <= now + 5
    assert now < claims["exp"] <= now + 3600, "an access token should be short-lived"


def test_requested_scopes_arrive_as_separate_scopes(customer):
    # Authlib writes the space between scopes as "+" in the authorization URL (form encoding, RFC 6749 appendix
    # B); the server must read it back as a space, not as part of one scope named "openid+profile".
    _, claims, _ = jwt_parts(customer.token["access_token"])
    granted = claims.get("scope", "").split()
    assert granted and set(granted) <= {"openid", "profile"}, f"scope claim: {claims.get('scope')!r}"
    assert set(customer.token.get("scope", "").split()) == set(granted), customer.token.get("scope")


# ============================================================================================ 3. code replay

def test_replayed_code_is_refused_and_revokes_what_it_gave(platform):
    first = sign_in(platform, CUSTOMER)
    access, refresh = first.token["access_token"], first.token["refresh_token"]
    assert introspect(platform, access)["active"] is True

    replay = token_request(platform, {
        "grant_type": "authorization_code", "code": first.code, "redirect_uri": platform.redirect_uri,
        "code_verifier": first.code_verifier,
    })
    assert replay.status_code == 400, replay.text[:300]
    assert oauth_error(replay) == "invalid_grant"
    assert "access_token" not in replay.json()

    assert introspect(platform, access)["active"] is False, "the first exchange's access token is still active"
    assert introspect(platform, refresh)["active"] is False, "the first exchange's refresh token is still active"
    refused = token_request(platform, {"grant_type": "refresh_token", "refresh_token": refresh})
    assert refused.status_code == 400, refused.text[:300]
    assert oauth_error(refused) == "invalid_grant"


def test_code_needs_the_right_pkce_verifier(platform):
    signed = authorize(platform, CUSTOMER)
    with pytest.raises(OAuthError) as refused:
        signed.exchange(platform, code_verifier=generate_token(64))
    assert refused.value.error == "invalid_grant"
    assert signed.token_response.status_code == 400
    # A code is spent by its first use, right or wrong: whoever guesses a verifier gets one try.
    with pytest.raises(OAuthError) as again:
        signed.exchange(platform)
    assert again.value.error == "invalid_grant"


# ============================================================================================ 4. refresh rotation

def test_refresh_rotates_and_reuse_revokes_the_family(platform):
    signed = sign_in(platform, CUSTOMER)
    old = signed.token
    # Authlib's refresh: a new access token and a new refresh token.
    new = dict(signed.oauth.refresh_token(platform.token_url, refresh_token=old["refresh_token"]))
    assert new.get("refresh_token"), new
    assert new["refresh_token"] != old["refresh_token"]
    assert new["access_token"] != old["access_token"]
    assert jwt_parts(new["access_token"])[1]["sub"] == jwt_parts(old["access_token"])[1]["sub"]
    assert introspect(platform, new["access_token"])["active"] is True

    # The rotated-out refresh token, used again (a thief's copy, say): refused ...
    reused = token_request(platform, {"grant_type": "refresh_token", "refresh_token": old["refresh_token"]})
    assert reused.status_code == 400, reused.text[:300]
    assert oauth_error(reused) == "invalid_grant"
    # ... and the whole family ends: the newest refresh token and the family's access tokens too.
    newest = token_request(platform, {"grant_type": "refresh_token", "refresh_token": new["refresh_token"]})
    assert newest.status_code == 400, newest.text[:300]
    assert oauth_error(newest) == "invalid_grant"
    assert introspect(platform, new["access_token"])["active"] is False
    assert introspect(platform, old["access_token"])["active"] is False


# ============================================================================================ 5. client credentials

def test_machine_client_uses_client_credentials(platform):
    admin = sign_in(platform, ADMIN)
    name = f"oauth-test-{uuid.uuid4().hex[:10]}"
    created = http("POST", platform.base_url + "/api/v1/clients", json={"name": name, "roles": ["b2b_member"]},
                   headers={"Authorization": f"Bearer {admin.token['access_token']}"})
    assert created.status_code == 201, created.text[:300]
    client = created.json()
    assert client["name"] == name
    assert client["roles"] == ["b2b_member"]
    assert client["clientId"] and client["clientSecret"]

    machine = PatientOAuth2Session(client_id=client["clientId"], client_secret=client["clientSecret"],
                                   token_endpoint_auth_method=CLIENT_AUTH)
    token = dict(machine.fetch_token(platform.token_url, grant_type="client_credentials"))
    assert token.get("access_token"), token
    assert "refresh_token" not in token, "client credentials must not give a refresh token"
    assert token["token_type"].lower() == "bearer"
    header, claims, _ = jwt_parts(token["access_token"])
    assert header["typ"] == "at+jwt"
    assert claims["sub"] == client["clientId"] and claims["client_id"] == client["clientId"]
    assert claims["roles"] == ["b2b_member"]
    assert claims["aud"] == [API_AUDIENCE]

    me = get_me(platform, token["access_token"])
    assert 400 <= me.status_code < 500 and me.status_code != 401, f"/me for a machine: {me.status_code} {me.text}"
    assert me.headers.get("Content-Type", "").startswith("application/problem+json")

    state = introspect(platform, token["access_token"], client=(client["clientId"], client["clientSecret"]))
    assert state["active"] is True, state
    assert state["client_id"] == client["clientId"]
    assert state["sub"] == client["clientId"]


# ============================================================================================ 6. refusals

def authorize_query(platform, **changes) -> str:
    params = {
        "response_type": "code", "client_id": WEB_CLIENT_ID, "redirect_uri": platform.redirect_uri,
        "code_challenge": b64url_encode(hashlib.sha256(b"x" * 64).digest()), "code_challenge_method": "S256",
        "state": "st-" + uuid.uuid4().hex, "scope": "openid",
    }
    params.update(changes)
    return platform.authorize_url + "?" + urlencode({k: v for k, v in params.items() if v is not None})


@pytest.mark.parametrize("changes, error", [
    pytest.param({"response_type": "token"}, "unsupported_response_type", id="implicit"),
    pytest.param({"code_challenge": "x" * 64, "code_challenge_method": "plain"}, "invalid_request", id="pkce-plain"),
    pytest.param({"code_challenge": None, "code_challenge_method": None}, "invalid_request", id="pkce-missing"),
    pytest.param({"code_challenge_method": None}, "invalid_request", id="pkce-method-missing"),
])
def test_authorize_refusals_go_back_to_the_client(platform, changes, error):
    url = authorize_query(platform, **changes)
    state = parse_qs(urlsplit(url).query)["state"][0]
    response = http("GET", url)
    assert response.status_code in (302, 303), f"{response.status_code} {response.text[:300]}"
    location = response.headers["Location"]
    assert location.startswith(platform.redirect_uri + "?"), location
    assert "#" not in location and "access_token" not in location and "code=" not in location
    query = parse_qs(urlsplit(location).query)
    assert query["error"] == [error], query
    assert query.get("state") == [state]


@pytest.mark.parametrize("redirect_uri", [
    pytest.param("https://evil.example/auth/callback", id="other-host"),
    pytest.param("{base}/auth/callback/more", id="longer-path"),
    pytest.param("{base}/auth/callback?next=https://evil.example", id="extra-query"),
    pytest.param("{base}/auth/callbacK", id="case"),
])
def test_unregistered_redirect_uri_is_never_followed(platform, redirect_uri):
    uri = redirect_uri.format(base=platform.base_url)
    for response_type in ("code", "token"):  # an error must not be sent there either
        response = http("GET", authorize_query(platform, redirect_uri=uri, response_type=response_type))
        assert response.status_code == 400, f"{response.status_code} {response.text[:300]}"
        assert "Location" not in response.headers
        assert response.headers.get("Content-Type", "").startswith("text/html")
        assert f'href="{uri}' not in response.text, "the error page links to the unregistered URI"


def test_client_secret_basic_is_accepted(platform, customer_access_token):
    """HTTP Basic client authentication (Authlib's default; advertised in the metadata) works at each endpoint."""
    # An unknown refresh token: the answer is about the grant, so the client was recognised.
    token = token_request(platform, {"grant_type": "refresh_token", "refresh_token": "unknown-" + "x" * 40},
                          basic=True)
    assert token.status_code == 400, f"token endpoint with Basic: {token.status_code} {token.text[:300]}"
    assert oauth_error(token) == "invalid_grant"
    assert introspect(platform, customer_access_token, basic=True)["active"] is True
    revoke = client_post(platform.base_url + "/oauth/revoke", {"token": "unknown-" + "x" * 40}, platform.web_client,
                         basic=True)
    assert revoke.status_code == 200, f"revocation with Basic: {revoke.status_code} {revoke.text[:300]}"

    wrong = (WEB_CLIENT_ID, platform.web_client_secret + "-wrong")
    refused = token_request(platform, {"grant_type": "refresh_token", "refresh_token": "x" * 43}, client=wrong,
                            basic=True)
    assert refused.status_code == 401, refused.text[:300]
    assert oauth_error(refused) == "invalid_client"
    assert refused.headers.get("WWW-Authenticate", "").lower().startswith("basic")


def test_password_grant_is_not_offered(platform):
    # The right password, even: the grant does not exist.
    response = token_request(platform, {"grant_type": "password", "username": CUSTOMER,
                                        "password": platform.demo_password})
    assert response.status_code == 400, response.text[:300]
    assert oauth_error(response) == "unsupported_grant_type"
    assert "access_token" not in response.json()


def test_anonymous_introspection_is_refused(platform, customer_access_token):
    response = http("POST", platform.introspect_url, data={"token": customer_access_token})
    assert response.status_code == 401, response.text[:300]
    body = response.json()
    assert "active" not in body and "sub" not in body, body
    assert body.get("error") == "invalid_client"


def test_wrong_client_secret_is_invalid_client(platform):
    wrong = (WEB_CLIENT_ID, platform.web_client_secret + "-wrong")
    response = token_request(platform, {"grant_type": "refresh_token", "refresh_token": "x" * 43}, client=wrong)
    assert response.status_code == 401, response.text[:300]
    assert oauth_error(response) == "invalid_client"


# ============================================================================================ 7. forged tokens
#
# Every token below must be refused by GET /api/v1/me with 401 problem+json. Tokens with bad claims that are
# properly signed by the server's own key (expired, wrong audience, ...) are covered by the Swift tests: a client
# cannot obtain the server's private key, so here such claims ride on tokens signed with our own key.

def own_key() -> OKPKey:
    return OKPKey.generate_key("Ed25519")


def sign_own(header: dict, claims: dict, key: OKPKey | None = None) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        return jwt.encode(header, claims, key or own_key(), algorithms=["EdDSA"], default_type=None)


def unsigned(header: dict, claims: dict, signature: str = "") -> str:
    return f"{json_b64(header)}.{json_b64(claims)}.{signature}"


def forge_alg_none(real, jwks):
    header, claims, _ = jwt_parts(real)
    return unsigned(dict(header, alg="none"), claims)


def forge_alg_none_keeping_signature(real, jwks):
    header, claims, _ = jwt_parts(real)
    return unsigned(dict(header, alg="none"), claims, real.split(".")[2])


def forge_hs256(secret_of):
    """HS256 "signed" with the server's public key as the HMAC secret (the classic algorithm confusion)."""
    def forge(real, jwks):
        header, claims, _ = jwt_parts(real)
        key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
        signing_input = f"{json_b64(dict(header, alg='HS256'))}.{json_b64(claims)}"
        mac = hmac.new(secret_of(key), signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64url_encode(mac)}"
    return forge


def forge_typ_jwt(real, jwks):
    # We cannot re-sign with the server's key, so the edited header keeps the old signature, which no longer
    # covers it: refused either for the wrong `typ` or for the signature. Tokens of type JWT that the server
    # itself signed are covered by the Swift tests.
    header, claims, _ = jwt_parts(real)
    return f"{json_b64(dict(header, typ='JWT'))}.{real.split('.')[1]}.{real.split('.')[2]}"


def forge_flipped_signature_bit(real, jwks):
    head, payload, signature = real.split(".")
    raw = bytearray(b64url_decode(signature))
    raw[len(raw) // 2] ^= 0x01
    return f"{head}.{payload}.{b64url_encode(bytes(raw))}"


def forge_admin_payload(real, jwks):
    head, _, signature = real.split(".")
    _, claims, _ = jwt_parts(real)
    return f"{head}.{json_b64(dict(claims, roles=['admin']))}.{signature}"


def forge_own_key_unknown_kid(real, jwks):
    header, claims, _ = jwt_parts(real)
    return sign_own(dict(header, kid="forged-" + uuid.uuid4().hex[:8]), claims)


def forge_own_key_server_kid(real, jwks):
    header, claims, _ = jwt_parts(real)
    return sign_own(header, dict(claims, roles=["admin"]))


def forge_own_key_claims(**changes):
    def forge(real, jwks):
        header, claims, _ = jwt_parts(real)
        now = int(time.time())
        edited = dict(claims, jti="forged-" + uuid.uuid4().hex)
        for name, value in changes.items():
            edited[name] = value(now) if callable(value) else value
        return sign_own(header, edited)
    return forge


def forge_big(real, jwks):
    header, claims, _ = jwt_parts(real)
    token = sign_own(header, dict(claims, pad="x" * 7_400))
    assert len(token) > 10_000
    return token


FORGERIES = [
    pytest.param(forge_alg_none, id="alg-none"),
    pytest.param(forge_alg_none_keeping_signature, id="alg-none-old-signature"),
    pytest.param(forge_hs256(lambda jwk: b64url_decode(jwk["x"])), id="hs256-public-key-bytes"),
    pytest.param(forge_hs256(lambda jwk: jwk["x"].encode()), id="hs256-public-key-text"),
    pytest.param(forge_typ_jwt, id="typ-jwt"),
    pytest.param(forge_flipped_signature_bit, id="flipped-signature-bit"),
    pytest.param(forge_admin_payload, id="payload-roles-admin"),
    pytest.param(forge_own_key_unknown_kid, id="own-key-unknown-kid"),
    pytest.param(forge_own_key_server_kid, id="own-key-server-kid"),
    pytest.param(forge_own_key_claims(exp=lambda now: now - 3600, iat=lambda now: now - 4200,
                                      nbf=lambda now: now - 4200), id="own-key-expired"),
    pytest.param(forge_own_key_claims(nbf=lambda now: now + 3600, exp=lambda now: now + 4200), id="own-key-future-nbf"),
    pytest.param(forge_own_key_claims(aud=["another-api"]), id="own-key-wrong-aud"),
    pytest.param(forge_own_key_claims(iss="https://evil.example"), id="own-key-wrong-iss"),
    pytest.param(forge_big, id="10kb-token"),
]


def assert_refused(response, token: str | None = None):
    assert response.status_code == 401, f"{response.status_code} {response.text[:300]}"
    assert response.headers.get("Content-Type", "").startswith("application/problem+json"), response.headers
    problem = response.json()
    assert problem.get("type") and problem.get("title"), problem
    assert problem.get("status", 401) == 401, problem
    assert response.headers.get("WWW-Authenticate", "").lower().startswith("bearer"), response.headers
    if token and len(token) > 20:
        assert token not in response.text, "the refused token is echoed back"


def test_real_token_is_accepted(platform, customer_access_token):
    """The control for the forgeries: the untouched token works, so each refusal below is the forgery's doing."""
    assert get_me(platform, customer_access_token).status_code == 200


@pytest.mark.parametrize("forge", FORGERIES)
def test_forged_token_is_refused(platform, customer_access_token, jwks, forge):
    token = forge(customer_access_token, jwks)
    assert token != customer_access_token
    assert_refused(get_me(platform, token), token)


@pytest.mark.parametrize("authorization", [
    pytest.param("Bearer not-a-jwt", id="garbage"),
    pytest.param("Bearer a.b.c", id="garbage-three-parts"),
    pytest.param("Bearer ", id="empty-bearer"),
    pytest.param("Bearer " + "A" * 10_240, id="10kb-garbage"),
])
def test_malformed_bearer_is_refused(platform, authorization):
    assert_refused(get_me(platform, headers={"Authorization": authorization}))


def test_no_token_is_refused(platform):
    assert_refused(get_me(platform))
