"""What any caller of the public port sees: health, problems for bad input, security headers."""
import os

import requests

BASE = os.environ.get("SETRAG_BASE_URL", "http://127.0.0.1:18080")


def session_with_csrf():
    s = requests.Session()
    # Loading the first page as a browser does (requests alone, with Accept: */*, is not taken for one).
    s.get(BASE + "/", headers={"Accept": "text/html,application/xhtml+xml"})
    token = s.cookies.get("setrag_csrf")
    assert token, "the gateway sets the CSRF cookie on the first page"
    return s, token


def test_health_readiness_and_metrics():
    assert requests.get(BASE + "/healthz").json() == {"status": "ok"}
    ready = requests.get(BASE + "/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"identity": "ok"}
    # Metrics are for Prometheus on the services' internal ports, not for the public port.
    assert requests.get(BASE + "/metrics").status_code == 404
    identity = os.environ.get("SETRAG_IDENTITY_HTTP_ADDRESS", "127.0.0.1:18101")
    requests.get(f"http://{identity}/.well-known/jwks.json")
    internal = requests.get(f"http://{identity}/metrics")
    assert internal.status_code == 200 and internal.headers["content-type"].startswith("text/plain")
    assert "# TYPE" in internal.text


def test_unknown_api_routes_are_problems():
    response = requests.get(BASE + "/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].startswith("https://setrag.ga/problems/")


def test_bad_sign_up_input_is_a_4xx_problem_and_writes_nothing():
    s, csrf = session_with_csrf()
    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}
    long = "x" * 100_000
    bodies = [
        "{", "[]", "null", '"text"', "{}",
        '{"displayName": 1, "username": "077123456", "password": "une phrase de passe"}',
        '{"displayName": "A", "username": "077123456", "password": "une phrase de passe", "roles": ["admin"]}',
        '{"displayName": "A", "username": "1234", "password": "une phrase de passe"}',
        '{"displayName": "A", "username": "a@b", "password": "une phrase de passe"}',
        '{"displayName": "A", "username": "x@example.ga\' OR 1=1 --", "password": "une phrase de passe"}',
        '{"displayName": "%s", "username": "%s@example.ga", "password": "%s"}' % (long, long, long),
        '{"displayName": "A", "username": "077123456", "password": "password"}',
    ]
    for body in bodies:
        response = s.post(BASE + "/api/v1/users", data=body, headers=headers)
        assert 400 <= response.status_code < 500, (body[:60], response.status_code, response.text[:200])
        assert response.headers["content-type"].startswith("application/problem+json"), body[:60]
    wrong_type = s.post(BASE + "/api/v1/users", data="displayName=A", headers={
        "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded"})
    assert wrong_type.status_code == 415
    too_big = s.post(BASE + "/api/v1/users", data="{" + " " * (3 << 20) + "}", headers=headers)
    assert too_big.status_code == 413
    assert too_big.headers["content-type"].startswith("application/problem+json")
    # None of these created an account: the phone number is still free.
    ok = s.post(BASE + "/api/v1/users", headers=headers,
                json={"displayName": "Libre", "username": "074998877", "password": "une phrase de passe"})
    assert ok.status_code in (201, 409)


def test_state_changes_without_the_csrf_header_are_refused():
    s, _ = session_with_csrf()
    response = s.post(BASE + "/api/v1/users",
                      json={"displayName": "A", "username": "077000001", "password": "une phrase de passe"})
    assert response.status_code == 403
    assert response.json()["type"] == "https://setrag.ga/problems/csrf"


def test_pages_carry_security_headers():
    response = requests.get(BASE + "/signup", headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_api_docs_index_and_identity_contract_are_valid_openapi():
    from openapi_spec_validator import validate

    index = requests.get(BASE + "/api/docs").json()
    assert any(entry.get("name") == "identity" for entry in index.get("services", index if isinstance(index, list) else []))
    document = requests.get(BASE + "/api/docs/identity").json()
    assert document["openapi"].startswith("3.1")
    validate(document)
    assert "/api/v1/users" in document["paths"] and "/oauth/token" in document["paths"]
