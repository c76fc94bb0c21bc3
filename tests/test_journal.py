from profrost.core.journal import journal
from profrost.core.models import JournalEntry


def test_journal_page_only_for_region_admin(world, client):
    journal("export", user=world["users"]["center_staff"], rows=3)
    client.force_login(world["users"]["region_admin"])
    response = client.get("/journal/?action=export")
    assert response.status_code == 200
    assert "center_staff" in response.content.decode()
    client.force_login(world["users"]["center_staff"])
    assert client.get("/journal/").status_code == 403
    # The refusal itself is journaled.
    assert JournalEntry.objects.filter(action="access_denied", username="center_staff").exists()
