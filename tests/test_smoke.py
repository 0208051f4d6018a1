def test_healthz_reports_app_and_database(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"app": "ok", "database": "ok"}
