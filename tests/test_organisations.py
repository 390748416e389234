"""Organisations: who belongs, shared tickets, their products, and contracts that are no longer trusted as typed."""

from __future__ import annotations

import re

from sqlalchemy import select

from helpcenter.db import database
from helpcenter.tickets.models import Ticket

from .helpers import csrf_token

PREMIUM = "FUL-PREMIUM-001"  # a contract with its own policy in the shipped policy file


def stored(app, reference: str) -> Ticket:
    with database(app).sessions() as session:
        ticket = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        _loaded = ticket.events
        return ticket


def org_create(runner, *arguments: str):
    return runner.invoke(args=["org", "create", *arguments])


def test_org_commands_create_and_add_members_with_clear_errors(runner):
    made = org_create(
        runner,
        "--name",
        "Stade de Lyon",
        "--domain",
        "stade-lyon.example",
        "--contract",
        PREMIUM,
        "--product",
        "widget",
        "--share-tickets",
    )
    assert made.exit_code == 0 and "Created organisation Stade de Lyon" in made.output
    assert org_create(runner, "--name", "Stade de Lyon").exit_code == 1
    taken = org_create(runner, "--name", "Other", "--contract", PREMIUM)
    assert taken.exit_code == 1 and "belongs to another organisation" in taken.output
    added = runner.invoke(
        args=["org", "add-member", "--org", "Stade de Lyon", "--email", "Consultant@Freelance.example"]
    )
    assert added.exit_code == 0 and "consultant@freelance.example now belongs to Stade de Lyon" in added.output
    unknown = runner.invoke(args=["org", "add-member", "--org", "Nobody", "--email", "a@b.example"])
    assert unknown.exit_code == 1 and "no organisation called Nobody" in unknown.output
    assert org_create(runner, "--name", "Bad", "--domain", "not a domain").exit_code == 1


def test_members_of_a_sharing_organisation_see_colleagues_tickets_marked_with_who_filed(
    app, runner, customer, file_ticket
):
    org_create(runner, "--name", "Stade de Lyon", "--domain", "stade-lyon.example", "--share-tickets")
    org_create(runner, "--name", "Private Co", "--domain", "private.example")
    colleague, _ = file_ticket(app, requester_email="paul@stade-lyon.example", requester_name="Paul Dupont")
    stranger, _ = file_ticket(app, requester_email="eve@private.example")
    lookalike, _ = file_ticket(app, requester_email="mallory@stade-lyon.example.evil")
    client = app.test_client()
    customer.sign_in(client, "jeanne@stade-lyon.example")
    home = client.get("/en/account/").get_data(as_text=True)
    assert colleague in home and "Filed by Paul Dupont" in home
    assert stranger not in home and lookalike not in home
    assert client.get(f"/en/account/tickets/{colleague}").status_code == 200
    private = app.test_client()
    customer.sign_in(private, "bob@private.example")
    assert private.get(f"/en/account/tickets/{stranger}").status_code == 404, (
        "no sharing unless the organisation shares"
    )


def test_a_members_account_page_shows_the_organisations_products_and_their_tutorials(app, runner, customer):
    org_create(runner, "--name", "Stade de Lyon", "--domain", "stade-lyon.example", "--product", "widget")
    client = app.test_client()
    customer.sign_in(client, "jeanne@stade-lyon.example")
    home = client.get("/fr/account/").get_data(as_text=True)
    assert "/fr/tutorials/widget/" in home
    assert re.search(r'href="/fr/tutorials/widget/[\w-]+"', home), "the product's tutorials in the reader's language"
    assert "/fr/tutorials/gadget/" not in home


def test_a_typed_contract_gets_its_policy_only_for_a_verified_member(app, runner, customer, ticket_form):
    org_create(runner, "--name", "Stade de Lyon", "--domain", "stade-lyon.example", "--contract", PREMIUM)
    anyone = app.test_client()
    claimed = anyone.post(
        "/en/tickets/new", data=ticket_form(anyone, product="", email="intruder@else.example", contract=PREMIUM)
    )
    claimed_ref = claimed.headers["Location"].split("/")[3].split("?")[0]
    ticket = stored(app, claimed_ref)
    assert (ticket.policy_code, ticket.contract_verified, ticket.contract_number) == ("default", False, PREMIUM)
    assert any(event.kind == "contract_claimed" for event in ticket.events)
    member_not_signed_in = app.test_client()
    unverified = member_not_signed_in.post(
        "/en/tickets/new",
        data=ticket_form(member_not_signed_in, product="", email="jeanne@stade-lyon.example", contract=PREMIUM),
    )
    assert stored(app, unverified.headers["Location"].split("/")[3].split("?")[0]).policy_code == "default"
    member = app.test_client()
    customer.sign_in(member, "jeanne@stade-lyon.example")
    verified = member.post(
        "/en/tickets/new",
        data=ticket_form(member, product="", email="jeanne@stade-lyon.example", contract=PREMIUM.lower()),
    )
    ticket = stored(app, verified.headers["Location"].split("/")[3].split("?")[0])
    assert (ticket.policy_code, ticket.contract_verified) == ("premium", True)


def test_staff_see_an_unverified_claim_and_confirming_it_recomputes_from_creation(app, auth, ticket_form):
    client = app.test_client()
    created = client.post("/en/tickets/new", data=ticket_form(client, product="", contract=PREMIUM, impact="high"))
    reference = created.headers["Location"].split("/")[3].split("?")[0]
    before = stored(app, reference)
    staff = app.test_client()
    auth.login(staff)
    page = staff.get(f"/staff/tickets/{reference}").get_data(as_text=True)
    assert "contract claimed, not verified" in page
    assert staff.post(f"/staff/tickets/{reference}/contract", data={"csrf_token": csrf_token(page)}).status_code == 302
    after = stored(app, reference)
    assert (after.policy_code, after.contract_verified) == ("premium", True)
    assert after.created_at == before.created_at
    assert after.first_response_due - after.created_at == __import__("datetime").timedelta(minutes=after.target_minutes)
    assert after.target_minutes < before.target_minutes, "the premium policy answers sooner"
    assert any(event.kind == "contract_confirmed" and event.actor == "agent@fulgur.example" for event in after.events)
    assert "contract claimed, not verified" not in staff.get(f"/staff/tickets/{reference}").get_data(as_text=True)


def test_admins_manage_organisations_and_agents_cannot(app, auth):
    agent = app.test_client()
    auth.login(agent)
    assert agent.get("/staff/organisations").status_code == 403
    admin = app.test_client()
    auth.login(admin, email="admin@fulgur.example", role="admin")
    page = admin.get("/staff/organisations")
    token = csrf_token(page.get_data(as_text=True))
    data = {
        "csrf_token": token,
        "name": "Stade de Lyon",
        "domains": "stade-lyon.example",
        "members": "consultant@freelance.example",
        "contracts": PREMIUM,
        "products": ["widget"],
        "share_tickets": "y",
    }
    assert admin.post("/staff/organisations", data=data).status_code == 302
    listing = admin.get("/staff/organisations").get_data(as_text=True)
    assert "stade-lyon.example" in listing and "consultant@freelance.example" in listing and PREMIUM in listing
    again = admin.post("/staff/organisations", data={**data, "name": "Copy"})
    assert again.status_code == 400 and "belongs to another organisation" in again.get_data(as_text=True)
    org_id = re.search(r'href="/staff/organisations/(\d+)"', listing).group(1)
    edit = admin.post(
        f"/staff/organisations/{org_id}", data={**data, "domains": "stade-lyon.example\nlyon-stadium.example"}
    )
    assert edit.status_code == 302
    assert "lyon-stadium.example" in admin.get("/staff/organisations").get_data(as_text=True)
