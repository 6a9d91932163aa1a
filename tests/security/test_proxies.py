"""Behind a load balancer, rate limits count per visitor, not per proxy."""

from htpm_events.extensions import limiter


def login_attempts(client, address: str, times: int) -> list[int]:
    return [
        client.post(
            "/login",
            data={"email": "nobody@example.org", "password": "wrong password"},
            headers={"X-Forwarded-For": address},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        ).status_code
        for _ in range(times)
    ]


def test_with_a_trusted_proxy_each_visitor_has_its_own_login_limit(make_app):
    app = make_app(HTPM_RATELIMITS="on", HTPM_PROXIES=1)
    with app.app_context():
        limiter.reset()
        client = app.test_client()
        assert login_attempts(client, "203.0.113.5", 21)[-1] == 429
        assert login_attempts(client, "198.51.100.7", 1) == [401]
        limiter.reset()


def test_without_proxies_forwarded_headers_are_not_believed(make_app):
    app = make_app(HTPM_RATELIMITS="on")
    with app.app_context():
        limiter.reset()
        client = app.test_client()
        login_attempts(client, "203.0.113.5", 20)
        # A forged X-Forwarded-For does not buy a fresh allowance.
        assert login_attempts(client, "198.51.100.7", 1) == [429]
        limiter.reset()
