"""The API's OpenAPI document (/api/v1/openapi.json, shown at /api/v1/docs)."""


def test_one_bearer_scheme_per_credential(client):
    document = client.get("/api/v1/openapi.json").json()

    # the access token (accounts and meter data alike) and the units' ingest keys
    assert set(document["components"]["securitySchemes"]) == {"TokenAuth", "KeyAuth"}
    paths = document["paths"]
    assert paths["/api/v1/customers/{code}/consumption"]["get"]["security"] == [{"TokenAuth": []}]
    assert paths["/api/v1/me"]["get"]["security"] == [{"TokenAuth": []}]
    assert paths["/api/v1/ingest/readings"]["post"]["security"] == [{"KeyAuth": []}]
    assert "security" not in paths["/api/v1/auth/login"]["post"]
