"""The `setrag` binary as an operator meets it: start-up checks, migrations, graceful shutdown."""
import os
import random
import signal
import socket
import subprocess
import time

import pymysql
import pytest
import requests

BIN = os.environ.get("SETRAG_BIN", "")


def env(**extra):
    base = {k: v for k, v in os.environ.items()}
    base.update(extra)
    return base


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", autouse=True)
def binary():
    assert BIN and os.path.exists(BIN), "SETRAG_BIN must name the built setrag binary (script/test sets it)"


def admin_connection():
    return pymysql.connect(unix_socket=os.environ["SETRAG_DB_SOCKET"], user="root", password="")


def test_every_configuration_problem_is_listed_at_once():
    result = subprocess.run(
        [BIN, "serve", "--target", "all"], capture_output=True, text=True, timeout=60,
        env=env(SETRAG_DB_PORT="not-a-port", SETRAG_HTTP_BODY_LIMIT="12", SETRAG_CRYPTO_FIELD_KEYS="",
                SETRAG_GATEWAY_SESSION_KEY="short", SETRAG_ENVIRONMENT="staging"))
    assert result.returncode == 2
    for setting in ["db.port", "http.body_limit", "crypto.field_keys", "gateway.session_key", "environment"]:
        assert setting in result.stderr, (setting, result.stderr)


def test_unknown_targets_are_named():
    result = subprocess.run([BIN, "serve", "--target", "gateway,billing"], capture_output=True, text=True,
                            timeout=60, env=env())
    assert result.returncode == 2
    assert "billing" in result.stderr and "identity" in result.stderr


def test_serve_refuses_an_unmigrated_database_and_names_what_is_missing():
    prefix = f"setrag_cli{random.randrange(1 << 30)}"
    conn = admin_connection()
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{prefix}_identity`")
        address = f"127.0.0.1:{free_port()}"
        # Its own account does not exist yet: told plainly, with what to run.
        no_account = subprocess.run(
            [BIN, "serve", "--target", "identity"], capture_output=True, text=True, timeout=60,
            env=env(SETRAG_DB_PREFIX=prefix, SETRAG_IDENTITY_HTTP_ADDRESS=address))
        assert no_account.returncode == 2, no_account.stderr
        assert f"{prefix}_identity" in no_account.stderr and "setrag migrate" in no_account.stderr
        # Reached with the admin account, the empty database lacks every migration, each named.
        admin_env = env(SETRAG_DB_PREFIX=prefix, SETRAG_IDENTITY_HTTP_ADDRESS=address)
        admin_env.pop("SETRAG_IDENTITY_DB_PASSWORD", None)
        result = subprocess.run([BIN, "serve", "--target", "identity"], capture_output=True, text=True, timeout=60,
                                env=admin_env)
        assert result.returncode == 2, result.stderr
        for name in ["identity_0001_users", "identity_0002_oauth", "identity_0003_audit"]:
            assert name in result.stderr
        assert "setrag migrate" in result.stderr
        # Nothing was created behind the operator's back.
        with conn.cursor() as cur:
            cur.execute(f"SHOW TABLES FROM `{prefix}_identity`")
            assert {row[0] for row in cur.fetchall()} <= {"schema_migrations"}
        migrated = subprocess.run([BIN, "migrate", "--target", "identity"], capture_output=True, text=True,
                                  timeout=120, env=env(SETRAG_DB_PREFIX=prefix))
        assert migrated.returncode == 0, migrated.stderr
        assert "identity_0003_audit" in migrated.stdout
        again = subprocess.run([BIN, "migrate", "--target", "identity"], capture_output=True, text=True,
                               timeout=120, env=env(SETRAG_DB_PREFIX=prefix))
        assert "up to date" in again.stdout
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{prefix}_identity`")
            cur.execute(f"DROP USER IF EXISTS '{prefix}_identity'@'%'")
        conn.close()


# Every service of the platform (script/lib/env.sh gives them their ports in this order).
SERVICES = ["gateway", "identity", "inventory", "booking", "payments", "shipping", "tracking", "notifications",
            "assistant", "analytics"]


def own_ports():
    """Settings that give every module of a second instance its own free port (the e2e instance holds the usual
    ones), and tell each module where the others now are."""
    settings = {}
    for service in SERVICES:
        address = f"127.0.0.1:{free_port()}"
        settings[f"SETRAG_{service.upper()}_HTTP_ADDRESS"] = address
        if service != "gateway":
            settings[f"SETRAG_{service.upper()}_URL"] = f"http://{address}"
    return settings


def test_sigterm_stops_the_process_gracefully():
    ports = own_ports()
    gateway = ports["SETRAG_GATEWAY_HTTP_ADDRESS"].rsplit(":", 1)[1]
    process = subprocess.Popen(
        [BIN, "serve", "--target", "all"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env=env(**ports))
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{gateway}/readyz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("the second instance never became ready: " + process.stderr.read()[-2000:])
        started = time.time()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert time.time() - started < 15
    finally:
        if process.poll() is None:
            process.kill()


def test_demo_data_is_refused_in_production():
    result = subprocess.run([BIN, "seed", "--demo"], capture_output=True, text=True, timeout=120,
                            env=env(SETRAG_ENVIRONMENT="production"))
    assert result.returncode != 0
    assert "never" in result.stderr and "production" in result.stderr


def test_payment_simulator_needs_its_secrets_and_stops_on_sigterm():
    bare = {k: v for k, v in os.environ.items() if not k.startswith("SETRAG_EBILLING_")}
    missing = subprocess.run([BIN, "simulate", "ebilling", "--port", "0", "--callback-url",
                              "http://127.0.0.1:9/callbacks"], capture_output=True, text=True, timeout=60, env=bare)
    assert missing.returncode == 2, missing.stderr
    for name in ("SETRAG_EBILLING_USERNAME", "SETRAG_EBILLING_SHARED_KEY", "SETRAG_EBILLING_CALLBACK_SECRET"):
        assert name in missing.stderr, missing.stderr

    port = free_port()
    process = subprocess.Popen(
        [BIN, "simulate", "ebilling", "--port", str(port), "--callback-url", "http://127.0.0.1:9/callbacks"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(bare, SETRAG_EBILLING_USERNAME="merchant", SETRAG_EBILLING_SHARED_KEY="k" * 24,
                 SETRAG_EBILLING_CALLBACK_SECRET="s" * 32))
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            pytest.fail("the simulator never answered: " + process.stderr.read()[-2000:])
        # The merchant API wants the merchant's credentials.
        assert requests.get(f"http://127.0.0.1:{port}/api/v1/merchant/e_bills/1", timeout=5).status_code == 401
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
