"""The related panel: finding objects by words of their titles, and unlinking in two steps."""

from core.db import db
from core.models import Link, Role
from tests.conftest import submit
from tests.factories import log_in, make_post, make_user


def _linked(first, second) -> bool:
    refs = sorted((first.ref, second.ref))
    return db.session.query(Link).filter_by(a_ref=refs[0], b_ref=refs[1]).count() == 1


def test_words_in_the_link_box_show_matching_titles_to_choose_from(app, client):
    source = make_post(app, title_en="Budget hearing", title_ka="საბიუჯეტო მოსმენა")
    wanted = make_post(app, title_en="Kindergarten renovation", title_ka="ბაღის რემონტი")
    make_post(app, title_en="Street lights", title_ka="განათება")
    log_in(client, make_user(Role.EDITOR))
    response = submit(
        client,
        "/links?lang=en",
        {"source": source.ref, "ref": "kindergarten"},
        form_url=f"/news/{source.id}",
    )
    assert response.status_code == 302
    assert f"/links/{source.ref}/find?q=kindergarten" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "Kindergarten renovation" in page
    assert "Street lights" not in page
    assert f'name="ref" value="{wanted.ref}"' in page
    assert "Link this" in page
    assert not _linked(source, wanted)
    submit(client, "/links", {"source": source.ref, "ref": wanted.ref}, form_url=response.location)
    assert _linked(source, wanted)


def test_search_finds_georgian_words_by_their_beginning(app, client):
    source = make_post(app)
    make_post(app, title_ka="საბავშვო ბაღის რემონტი", title_en="Kindergarten")
    log_in(client, make_user(Role.EDITOR))
    page = client.get(f"/links/{source.ref}/find?q=საბავშვო&lang=en").get_data(as_text=True)
    assert "Kindergarten" in page


def test_search_does_not_offer_the_object_itself_nor_drafts_to_others(app, client):
    source = make_post(app, title_en="Kindergarten one")
    log_in(client, make_user(Role.EDITOR))
    page = client.get(f"/links/{source.ref}/find?q=kindergarten&lang=en").get_data(as_text=True)
    assert "Nothing matches" in page


def test_a_reference_in_the_box_still_links_at_once(app, client):
    first, second = make_post(app), make_post(app, title_en="Second")
    log_in(client, make_user(Role.EDITOR))
    response = submit(
        client, "/links", {"source": first.ref, "ref": second.ref}, form_url=f"/news/{first.id}"
    )
    assert response.location.endswith(f"/news/{first.id}")
    assert _linked(first, second)


def test_unlinking_asks_first_and_cancel_keeps_the_link(app, client):
    first, second = make_post(app), make_post(app, title_en="Second post")
    log_in(client, make_user(Role.EDITOR))
    submit(client, "/links", {"source": first.ref, "ref": second.ref}, form_url=f"/news/{first.id}")
    detail = client.get(f"/news/{first.id}?lang=en").get_data(as_text=True)
    confirm_url = f"/links/{first.ref}/unlink/{second.ref}"
    assert f'href="{confirm_url}"' in detail
    assert "/links/remove" not in detail  # no one-click unlink on the object's page
    confirm = client.get(confirm_url + "?lang=en").get_data(as_text=True)
    assert "will no longer be shown as related" in confirm
    assert "Second post" in confirm
    assert f'href="/news/{first.id}">Cancel, keep the link</a>' in confirm
    assert _linked(first, second)
    submit(client, "/links/remove", {"source": first.ref, "ref": second.ref}, form_url=confirm_url)
    assert not _linked(first, second)


def test_unlink_confirmation_of_an_unknown_object_is_not_found(app, client):
    first = make_post(app)
    log_in(client, make_user(Role.EDITOR))
    assert client.get(f"/links/{first.ref}/unlink/news:99999").status_code == 404
    assert client.get("/links/news:99999/find?q=x").status_code == 404
