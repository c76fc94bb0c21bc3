def test_login_page_is_public_and_russian(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Вход в ПрофРост" in response.content.decode()


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
