"""Fixtures for the OAuth 2 tests; the helpers, settings and rate-limit notes are in oauth_support.py."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from oauth_support import CUSTOMER, SignIn, http, load_platform, sign_in  # noqa: E402


@pytest.fixture(scope="session")
def platform():
    return load_platform()


# ---------------------------------------------------------------------------------------------- shared state

@pytest.fixture(scope="session")
def metadata(platform) -> dict:
    response = http("GET", platform.base_url + "/.well-known/oauth-authorization-server")
    assert response.status_code == 200, response.text[:300]
    return response.json()


@pytest.fixture(scope="session")
def jwks(platform) -> dict:
    response = http("GET", platform.base_url + "/.well-known/jwks.json")
    assert response.status_code == 200, response.text[:300]
    return response.json()


@pytest.fixture(scope="session")
def customer(platform) -> SignIn:
    """The demo customer, signed in once; its tokens stay valid (no test revokes this family)."""
    return sign_in(platform, CUSTOMER)


@pytest.fixture(scope="session")
def customer_access_token(customer) -> str:
    return customer.token["access_token"]
