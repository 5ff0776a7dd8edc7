"""Configuration rules and production safety."""

import pytest

from core.app import create_app
from core.config import load_config


def test_production_refuses_the_default_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config({"GHIA_ENV": "production", "SECRET_KEY": ""})


def test_production_needs_its_own_personal_number_key():
    with pytest.raises(RuntimeError, match="PERSONAL_NUMBER_KEY"):
        load_config({"GHIA_ENV": "production", "SECRET_KEY": "s" * 40, "PERSONAL_NUMBER_KEY": ""})


def test_production_cookies_are_secure():
    config = load_config(
        {"GHIA_ENV": "production", "SECRET_KEY": "s" * 40, "PERSONAL_NUMBER_KEY": "k" * 40}
    )
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True


def test_production_answers_a_crash_with_a_translated_page_and_hsts(app):
    prod = create_app(
        {
            "GHIA_ENV": "production",
            "SECRET_KEY": "s" * 40,
            "PERSONAL_NUMBER_KEY": "k" * 40,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        }
    )

    @prod.get("/boom")
    def boom():
        raise ValueError("a bug")

    response = prod.test_client().get("/boom?lang=en")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert "Strict-Transport-Security" in response.headers
    assert prod.test_client().get("/dev/mail").status_code == 404


def test_every_response_carries_a_request_id(client):
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 16
    echoed = client.get("/healthz", headers={"X-Request-ID": "proxy-123"})
    assert echoed.headers["X-Request-ID"] == "proxy-123"


def test_proxy_count_trusts_the_forwarded_address(app):
    behind = create_app(
        {
            "GHIA_ENV": "testing",
            "PROXY_COUNT": 1,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        }
    )

    @behind.get("/whoami")
    def whoami():
        from flask import request

        return request.remote_addr

    response = behind.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.get_data(as_text=True) == "203.0.113.9"
