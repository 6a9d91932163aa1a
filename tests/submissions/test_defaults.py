"""Defaults of the submission form that a busy coordinator could otherwise miss."""

import re


def test_level_is_not_preselected_and_must_be_chosen(client):
    html = client.get("/submit").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="level".*?</select>', html, re.S).group(0)
    assert "selected" not in select
    response = client.post("/submit", data={"title": "Vigil", "level": ""})
    assert response.status_code == 400
    assert "Choose a level." in response.get_data(as_text=True)
