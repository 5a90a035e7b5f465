import re

import yaml


def test_the_schema_lists_the_staff_and_units_paths(client, db):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/staff/", "/api/v1/staff/{id}/", "/api/v1/units/", "/api/v1/units/{id}/"} <= set(schema["paths"])


def test_the_schema_is_served_as_json_too(client, db):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    assert "/api/v1/staff/" in response.json()["paths"]


def test_the_docs_page_uses_only_local_files(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui" in source for source in sources)
    assert all(source.startswith("/") for source in sources), sources
    assert "cdn" not in html.lower()
