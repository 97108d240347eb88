"""`/health/`: answers anyone with a plain "ok", and reads nothing from the database once the clinic is cached."""

import pytest


@pytest.mark.django_db
def test_health_answers_without_a_log_in_and_without_a_query(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/health/")  # the first request creates the clinic's row, committed here
    client.get("/health/")  # and the next one caches it
    with django_assert_num_queries(0):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert client.post("/health/").status_code == 405
