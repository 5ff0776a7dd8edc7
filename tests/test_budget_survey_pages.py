"""Survey questions through the pages: budget admins manage them until voting opens, voters
answer them with their ballot in one step, results count them, admins download the words."""

import csv
import io

import lxml.html
import pytest

from budgeting import services
from budgeting.models import Ballot, BallotKind, Phase, Question, Vote
from core.db import db
from core.models import Role
from tests.budget_factories import choice_id, make_ballot, resident, survey_questions
from tests.conftest import submit
from tests.factories import log_in, make_user
from tests.test_budget_survey import answered_ballot


def admin_client(client):
    log_in(client, make_user(Role.BUDGET_ADMIN))
    return client


def questions_of(ballot: Ballot) -> list[Question]:
    db.session.expire_all()
    return db.session.get(Ballot, ballot.id).questions


def votes(ballot) -> list[Vote]:
    return db.session.scalars(db.select(Vote).where(Vote.ballot_id == ballot.id)).all()


def page_of(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def published(app, ballot: Ballot) -> None:
    with app.app_context():  # events need the app; commit before its teardown rolls back
        services.move_phase(ballot.cycle, Phase.RESULTS)
        db.session.commit()


# Staff pages


def test_an_admin_adds_edits_moves_and_deletes_questions(client):
    ballot = make_ballot(phase=Phase.REVIEW)
    db.session.commit()
    admin_client(client)
    admin_url = f"/budget/admin/ballots/{ballot.id}"
    assert "Add a survey question" in client.get(f"{admin_url}?lang=en").get_data(as_text=True)
    new_url = f"{admin_url}/questions/new"
    added = submit(client, new_url, {"prompt_ka": "როგორ მოხვედით?", "kind": "single",
                                     "required": "y", "choices_ka": "ავტობუსი\nმეტრო",
                                     "choices_en": "Bus\nMetro"})  # fmt: skip
    assert added.status_code == 302
    assert added.location.endswith(f"{admin_url}#questions")
    submit(client, new_url, {"prompt_ka": "იდეები?", "kind": "text", "max_length": "200"})
    first, second = questions_of(ballot)
    assert (first.kind, first.required, [c.label_en for c in first.choices]) == (
        "single", True, ["Bus", "Metro"],
    )  # fmt: skip
    assert (second.kind, second.max_length) == ("text", 200)

    edit_url = f"/budget/admin/questions/{first.id}"
    form = page_of(client.get(edit_url))
    # (a browser drops the newline WTForms puts first in a textarea)
    assert form.get_element_by_id("choices_ka").text_content().strip() == "ავტობუსი\nმეტრო"
    assert form.get_element_by_id("required").get("checked") is not None
    edited = submit(client, edit_url, {"prompt_ka": "როგორ?", "kind": "single",
                                       "choices_ka": "ფეხით\nველოსიპედით"})  # fmt: skip
    assert edited.status_code == 302
    assert [c.label_ka for c in questions_of(ballot)[0].choices] == ["ფეხით", "ველოსიპედით"]

    moved = submit(client, f"/budget/admin/questions/{second.id}/move", {"direction": "up"},
                   form_url=admin_url)  # fmt: skip
    assert moved.status_code == 302
    assert [q.prompt_ka for q in questions_of(ballot)] == ["იდეები?", "როგორ?"]
    deleted = submit(client, f"/budget/admin/questions/{second.id}/delete", {}, form_url=admin_url)
    assert deleted.status_code == 302
    assert [q.prompt_ka for q in questions_of(ballot)] == ["როგორ?"]


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        ({"kind": "text", "choices_ka": "ა\nბ"}, "choices_ka", "no answers to choose from"),
        ({"kind": "single", "choices_ka": "ა\nბ", "choices_en": "A"}, "choices_en",
         "same number and order"),
        ({"kind": "multiple", "choices_ka": "ა\nბ", "max_choices": "3"}, "max_choices",
         "more answers than it offers"),
        ({"kind": "single", "choices_ka": "ა"}, "choices_ka", "at least two"),
        ({"kind": "nonsense", "choices_ka": "ა\nბ"}, "kind", "Not a valid choice"),
        ({"kind": "text", "max_length": "99999"}, "max_length", "between 1 and 5000"),
    ],
)  # fmt: skip
def test_a_question_that_cannot_be_asked_comes_back_with_its_error_and_text(
    client, form, field, words
):
    ballot = make_ballot(phase=Phase.REVIEW)
    db.session.commit()
    admin_client(client)
    url = f"/budget/admin/ballots/{ballot.id}/questions/new"
    sent = {"prompt_ka": "ჩემი კითხვა", **form}
    refused = submit(client, f"{url}?lang=en", sent, form_url=url)
    assert refused.status_code == 422
    page = page_of(refused)
    error = page.get_element_by_id(f"{field}-error").text_content()
    assert words in error
    assert page.get_element_by_id("prompt_ka").get("value") == "ჩემი კითხვა"
    if "choices_ka" in form:
        assert page.get_element_by_id("choices_ka").text_content().strip() == form["choices_ka"]
    assert questions_of(ballot) == []


def test_only_budget_admins_manage_questions(client):
    ballot = make_ballot(phase=Phase.REVIEW, questions=survey_questions())
    question_id = ballot.questions[0].id
    db.session.commit()
    log_in(client, resident())
    base = f"/budget/admin/ballots/{ballot.id}"
    assert client.get(f"{base}/questions/new").status_code == 403
    assert client.get(f"/budget/admin/questions/{question_id}").status_code == 403
    for url, form in [
        (f"{base}/questions/new", {"prompt_ka": "x", "kind": "text"}),
        (f"/budget/admin/questions/{question_id}/delete", {}),
        (f"/budget/admin/questions/{question_id}/move", {"direction": "down"}),
    ]:
        assert submit(client, url, form, form_url="/accounts/profile").status_code == 403
    assert len(questions_of(ballot)) == 3


def test_questions_are_frozen_on_the_pages_once_voting_opens(client):
    ballot = make_ballot(questions=survey_questions())  # in voting: frozen
    question_id = ballot.questions[1].id
    db.session.commit()
    admin_client(client)
    admin_url = f"/budget/admin/ballots/{ballot.id}"
    overview = client.get(f"{admin_url}?lang=en").get_data(as_text=True)
    assert "How did you come?" in overview
    assert "/move" not in overview
    assert "Add a survey question" not in overview
    new_url = f"{admin_url}/questions/new"
    assert "can no longer change" in client.get(f"{new_url}?lang=en").get_data(as_text=True)
    for url, form, status in [
        (new_url, {"prompt_ka": "x", "kind": "text"}, 422),
        (f"/budget/admin/questions/{question_id}", {"prompt_ka": "x", "kind": "text"}, 422),
        (f"/budget/admin/questions/{question_id}/move", {"direction": "up"}, 409),
        (f"/budget/admin/questions/{question_id}/delete", {}, 409),
    ]:
        refused = submit(client, f"{url}?lang=en", form, form_url=admin_url)
        assert refused.status_code == status, url
        assert "frozen: voting has opened" in refused.get_data(as_text=True)
    assert [q.prompt_en for q in questions_of(ballot)] == [
        "How did you come?", "What do you want?", "What should we improve?",
    ]  # fmt: skip


def test_moving_needs_a_direction(client):
    ballot = make_ballot(phase=Phase.REVIEW, questions=survey_questions())
    db.session.commit()
    admin_client(client)
    url = f"/budget/admin/questions/{ballot.questions[0].id}/move?lang=en"
    refused = submit(client, url, {"direction": "sideways"}, form_url="/budget/admin/")
    assert refused.status_code == 422
    assert "up or down" in refused.get_data(as_text=True)


# The ballot page


def voter_on(client, kind=BallotKind.KNAPSACK, **limits) -> Ballot:
    ballot = make_ballot(kind, questions=survey_questions(), **limits)
    voter = resident()
    db.session.commit()
    log_in(client, voter)
    return ballot


def test_the_ballot_page_asks_the_questions_with_labels_and_legends(client):
    ballot = voter_on(client)
    page = page_of(client.get(f"/budget/ballots/{ballot.id}?lang=en"))
    single_q, multiple_q, text_q = ballot.questions
    (form,) = page.xpath("//form[contains(@action, '/vote')]")
    legends = [legend.text_content().strip() for legend in form.xpath(".//fieldset/legend")]
    assert "How did you come? (required)" in legends
    assert "What do you want?" in legends
    radios = form.xpath(f".//input[@name='{single_q.field_name}']")
    assert [r.get("type") for r in radios] == ["radio"] * 3  # required: no "No answer"
    boxes = form.xpath(f".//input[@name='{multiple_q.field_name}']")
    assert [b.get("type") for b in boxes] == ["checkbox"] * 3
    for control in [*radios, *boxes, *form.xpath(".//textarea")]:
        (label,) = form.xpath(f".//label[@for='{control.get('id')}']")
        assert label.text_content().strip()
    (label,) = form.xpath(f".//label[@for='{text_q.field_name}']")
    assert label.text_content().strip() == "What should we improve?"
    hint = page.get_element_by_id(f"{text_q.field_name}-hint").text_content()
    assert hint == "At most 20 characters."
    assert len(form.xpath(".//button[@type='submit' and not(@name)]")) == 1  # one step


def test_the_ballot_and_its_answers_are_saved_in_one_post(client):
    ballot = voter_on(client)
    single_q, multiple_q, text_q = ballot.questions
    url = f"/budget/ballots/{ballot.id}"
    form = {
        "option": ["1", "2"],
        single_q.field_name: choice_id(ballot, "Metro"),
        multiple_q.field_name: [choice_id(ballot, "Trees"), choice_id(ballot, "Lights")],
        text_q.field_name: "More shade",
    }
    assert submit(client, f"{url}/vote", form, form_url=url).status_code == 302
    (vote,) = votes(ballot)
    assert vote.choices == ["1", "2"]
    assert vote.answers == {
        str(single_q.id): [int(choice_id(ballot, "Metro"))],
        str(multiple_q.id): [int(choice_id(ballot, "Trees")), int(choice_id(ballot, "Lights"))],
        str(text_q.id): "More shade",
    }
    again = page_of(client.get(url))
    assert again.get_element_by_id(f"{single_q.field_name}-{choice_id(ballot, 'Metro')}").checked
    assert again.get_element_by_id(text_q.field_name).text_content() == "More shade"


def test_a_wrong_answer_comes_back_at_its_question_with_everything_kept(client):
    ballot = voter_on(client)
    single_q, multiple_q, text_q = ballot.questions
    url = f"/budget/ballots/{ballot.id}"
    form = {
        "option": ["1", "2"],
        multiple_q.field_name: [choice_id(ballot, c) for c in ("Trees", "Benches", "Lights")],
        text_q.field_name: "Shade, please",
    }
    refused = submit(client, f"{url}/vote?lang=en", form, form_url=url)
    assert refused.status_code == 422
    page = page_of(refused)
    assert (
        "Please answer this question."
        in page.get_element_by_id(f"{single_q.field_name}-error").text_content()
    )
    assert (
        "at most 2 answers"
        in page.get_element_by_id(f"{multiple_q.field_name}-error").text_content()
    )
    fieldset = page.get_element_by_id(multiple_q.field_name)
    assert f"{multiple_q.field_name}-error" in fieldset.get("aria-describedby")
    summary = page.xpath("//div[@data-error-summary]//a/@href")
    assert summary == [f"#{single_q.field_name}", f"#{multiple_q.field_name}"]
    # Everything entered is still there: the ballot's choices and the answers.
    assert [box.get("value") for box in page.xpath("//input[@name='option'][@checked]")] == [
        "1", "2",
    ]  # fmt: skip
    ticked = page.xpath(f"//input[@name='{multiple_q.field_name}'][@checked]")
    assert len(ticked) == 3
    textarea = page.get_element_by_id(text_q.field_name)
    assert textarea.text_content() == "Shade, please"
    assert votes(ballot) == []


def test_a_blank_ballot_with_answers_is_saved(client):
    ballot = voter_on(client, BallotKind.APPROVAL, min_choices=2)
    single_q = ballot.questions[0]
    url = f"/budget/ballots/{ballot.id}"
    form = {single_q.field_name: choice_id(ballot, "Walk")}
    assert submit(client, f"{url}/vote", form, form_url=url).status_code == 302
    (vote,) = votes(ballot)
    assert (vote.choices, vote.answers) == (
        [],
        {str(single_q.id): [int(choice_id(ballot, "Walk"))]},
    )


def test_checking_the_knapsack_total_keeps_the_answers(client):
    ballot = voter_on(client)
    text_q = ballot.questions[2]
    url = f"/budget/ballots/{ballot.id}"
    form = {"option": ["1"], "check": "1", text_q.field_name: "Benches"}
    checked = submit(client, f"{url}/vote", form, form_url=url)
    assert checked.status_code == 200
    assert page_of(checked).get_element_by_id(text_q.field_name).text_content() == "Benches"
    assert votes(ballot) == []


def test_an_optional_single_choice_can_be_left_unanswered(client):
    questions = survey_questions()
    questions[0].required = False
    ballot = make_ballot(questions=questions)
    db.session.commit()
    log_in(client, resident())
    url = f"/budget/ballots/{ballot.id}"
    page = page_of(client.get(url))
    none = page.get_element_by_id(f"{ballot.questions[0].field_name}-none")
    assert none.checked
    form = {"option": ["2"], ballot.questions[0].field_name: ""}
    assert submit(client, f"{url}/vote", form, form_url=url).status_code == 302
    assert votes(ballot)[0].answers == {}


# Results and downloads


def test_results_count_each_answer_and_keep_the_words_for_admins(app, client):
    ballot = answered_ballot()
    published(app, ballot)
    page = client.get(f"/budget/ballots/{ballot.id}/results?lang=en").get_data(as_text=True)
    tree = lxml.html.fromstring(page)
    (figure,) = tree.xpath("//figure[figcaption='How did you come?']")
    rows = [
        [cell.text_content() for cell in row.xpath("./th|./td")]
        for row in figure.xpath(".//tbody/tr")
    ]
    assert rows == [["Bus", "2"], ["Metro", "1"], ["Walk", "0"]]
    assert "2 ballots answered this question in words." in page
    assert "Zebra crossing" not in page
    assert "A bench" not in page
    assert "answers.csv" not in page
    admin_client(client)
    page = client.get(f"/budget/ballots/{ballot.id}/results?lang=en").get_data(as_text=True)
    assert f"/budget/admin/ballots/{ballot.id}/answers.csv" in page


def test_the_free_text_csv_is_for_budget_admins_after_voting(app, client):
    ballot = answered_ballot()
    text_q = ballot.questions[2]
    services.cast_vote(resident(), ballot, ["2"], {str(ballot.questions[0].id): [
        choice_id(ballot, "Walk")], str(text_q.id): "=HYPERLINK(1)"})  # fmt: skip
    db.session.commit()
    url = f"/budget/admin/ballots/{ballot.id}/answers.csv"
    log_in(client, resident())
    assert client.get(url).status_code == 403
    admin_client(client)
    early = client.get(f"{url}?lang=en")
    assert early.status_code == 409
    assert "once voting has closed" in early.get_data(as_text=True)
    published(app, ballot)
    download = client.get(url)
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0] == ["question", "question_ka", "question_en", "answer"]
    assert [row[3] for row in rows[1:]] == ["'=HYPERLINK(1)", "A bench", "Zebra crossing"]
    assert all(row[0] == "3" for row in rows[1:])


def test_the_api_shows_the_questions_and_counts_once_published(app, client):
    ballot = answered_ballot()
    db.session.commit()
    one = client.get(f"/api/v1/budget/ballots/{ballot.id}").get_json()
    assert [q["kind"] for q in one["questions"]] == ["single", "multiple", "text"]
    assert [c["label_en"] for c in one["questions"][0]["choices"]] == ["Bus", "Metro", "Walk"]
    survey_url = f"/api/v1/budget/ballots/{ballot.id}/survey"
    assert client.get(survey_url).status_code == 404
    published(app, ballot)
    counts = client.get(survey_url).get_json()
    assert [(c["label_en"], c["ballots"]) for c in counts[0]["choices"]] == [
        ("Bus", 2), ("Metro", 1), ("Walk", 0),
    ]  # fmt: skip
    assert (counts[2]["answered"], counts[2]["choices"]) == (2, [])
    assert "Zebra" not in str(counts)
    assert "voter" not in str(counts)
