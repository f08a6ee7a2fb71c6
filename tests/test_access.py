"""Who may see a case, and who may act when people leave: `bot/services/access.py`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core.clock import FrozenClock
from bot.core.engine import Approve
from bot.services import groups, invites, queries, tasks
from bot.services.context import Context
from bot.services.errors import NotPermitted, NotVisible, NotYourTask
from bot.services.officials import add_official, assign_role, deactivate, revoke
from models import Official, RoleAssignment
from tests.conftest import Office
from tests.helpers import events, open_tasks, outbox, register, to_step, viewer

OTHER_AGENCY = "Dinas Lain"


async def _other_agency(ctx: Context) -> int:
    someone = await add_official(ctx, name="Pejabat Dinas Lain", telegram_user_id=4001)
    await assign_role(ctx, official_id=someone, role="perangkat_daerah", unit=OTHER_AGENCY)
    return someone


async def _plh_for_karo(ctx: Context, office: Office, clock: FrozenClock, user_id: int) -> int:
    """A Plh named by the Karo for three days from now."""
    from bot.services.officials import delegate

    plh = await add_official(ctx, name="Plh Karo", telegram_user_id=user_id)
    now = clock.now()
    await delegate(
        ctx,
        holder_id=office["karo"],
        acting_id=plh,
        role="karo",
        start=now,
        end=now + timedelta(days=3),
        by=office["karo"],
    )
    return plh


async def _sees(ctx: Context, official_id: int, number: str, group: int | None = None) -> bool:
    try:
        await queries.proposal_status(ctx, number, await viewer(ctx, official_id, group))
    except NotVisible:
        return False
    return True


async def test_another_agency_sees_nothing_of_a_case(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office, title="Kerja sama wisata bahari")
    other = await _other_agency(ctx)
    me = await viewer(ctx, other)
    with pytest.raises(NotVisible):
        await queries.proposal_status(ctx, reg.number, me)
    with pytest.raises(NotVisible):
        await queries.proposal_history(ctx, reg.proposal_id, me)
    assert await queries.search_proposals(ctx, "wisata", me) == []
    async with queries.reading(ctx) as session:
        from models import Document

        document_ids = list(await session.scalars(select(Document.id)))
    assert document_ids
    for document_id in document_ids:
        with pytest.raises(NotVisible):
            await queries.document(ctx, document_id, me)
    # An unknown number is refused in the same words: numbers cannot be probed.
    with pytest.raises(NotVisible):
        await queries.proposal_status(ctx, "9999/KS/2026", me)


async def test_who_sees_a_case(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    number = reg.number
    assert await _sees(ctx, office["perangkat_daerah"], number)  # its agency
    assert await _sees(ctx, office["pengadministrasi"], number)  # its registrar
    assert await _sees(ctx, office["karo"], number)  # holds its task now
    assert await _sees(ctx, office["gubernur"], number)  # the SOP says: oversees
    assert await _sees(ctx, office["admin"], number)
    assert not await _sees(ctx, office["analis_ls"], number)  # not yet its turn
    assert not await _sees(ctx, office["tkksd"], number)
    assert not await _sees(ctx, office["staf"], number)
    await to_step(ctx, office, reg.proposal_id, "analis_telaah")
    assert await _sees(ctx, office["analis_ls"], number)
    # A group reads the answer too: only the SOPs it is subscribed to.
    assert not await _sees(ctx, office["karo"], number, group=-500)
    await groups.subscribe(ctx, -500, "Tim", "kerjasama_pihak_ketiga")
    assert await _sees(ctx, office["karo"], number, group=-500)
    assert not await _sees(ctx, office["staf"], number, group=-500)  # and the official too


async def test_a_forwardee_and_a_plh_see_the_case(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:

    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    assert not await _sees(ctx, office["staf"], reg.number)
    await tasks.forward(ctx, task.id, office["karo"], office["staf"], "Tolong periksa")
    assert await _sees(ctx, office["staf"], reg.number)
    plh = await _plh_for_karo(ctx, office, clock, 4100)
    assert await _sees(ctx, plh, reg.number)


async def _karo_lapses(ctx: Context, office: Office, clock: FrozenClock, chat: int) -> int:
    """The Karo's appointment ends in a minute, with no hand-over (it lapses, nobody revokes
    it); a successor's begins then. Returns the successor."""
    async with ctx.sessions() as session, session.begin():
        held = await session.scalar(
            select(RoleAssignment).where(RoleAssignment.official_id == office["karo"])
        )
        assert held is not None
        held.valid_until = clock.now() + timedelta(minutes=1)
    successor = await add_official(ctx, name="Karo baru", telegram_user_id=chat)
    await assign_role(ctx, official_id=successor, role="karo", valid_from=held.valid_until)
    return successor


async def test_an_assignee_who_loses_the_role_can_no_longer_act_or_list_it(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    """The rule "a holder acts only while holding the role", here with a role that lapses
    (valid_until) rather than one revoked, so no hand-over has run."""
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    successor = await _karo_lapses(ctx, office, clock, 4200)
    clock.advance(minutes=10)
    assert await queries.my_open_tasks(ctx, office["karo"]) == []
    with pytest.raises(NotYourTask):
        await tasks.act(ctx, task.id, office["karo"], Approve(), task.version)
    assert [t.task_id for t in await queries.my_open_tasks(ctx, successor)] == [task.id]
    await tasks.act(ctx, task.id, successor, Approve(), task.version)


async def test_deactivating_hands_tasks_to_the_other_holder(ctx: Context, office: Office) -> None:
    second = await add_official(ctx, name="Karo kedua", telegram_user_id=4300)
    await assign_role(ctx, official_id=second, role="karo")
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    assert task.assignee_id == office["karo"]
    await deactivate(ctx, office["karo"], by=office["admin"])
    moved = (await open_tasks(ctx, reg.proposal_id))["karo"]
    assert moved.assignee_id == second and moved.version > task.version
    assert [t.task_id for t in await queries.my_open_tasks(ctx, second)] == [task.id]
    told = [m for m in await outbox(ctx) if m.chat_id == 4300 and m.template == "task_assigned"]
    assert told and told[-1].task_id == task.id
    closed = [m for m in await outbox(ctx) if m.template == "task_closed"]
    assert any(m.chat_id == office.chats["karo"] for m in closed)  # the old buttons go
    handed = [e for e in await events(ctx) if e.type == "task_handed_over"]
    assert handed[0].payload["from"] == office["karo"] and handed[0].payload["to"] == second


async def test_a_forward_to_someone_who_leaves_comes_back(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    await tasks.forward(ctx, task.id, office["karo"], office["staf"], "Periksa")
    await deactivate(ctx, office["staf"], by=office["admin"])
    back = (await open_tasks(ctx, reg.proposal_id))["karo"]
    assert back.forwarded_to_id is None
    assert [t.task_id for t in await queries.my_open_tasks(ctx, office["karo"])] == [task.id]


async def test_an_orphaned_task_can_be_given_to_someone_by_an_admin(
    ctx: Context, office: Office
) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    await deactivate(ctx, office["karo"], by=office["admin"])
    orphan = (await open_tasks(ctx, reg.proposal_id))["karo"]
    assert orphan.assignee_id is None
    told = {m.chat_id for m in await outbox(ctx) if m.template == "task_unassigned"}
    assert told == {office.chats["asisten1"], office.chats["admin"]}
    with pytest.raises(NotYourTask):  # an admin passes it on, but does not decide it
        await tasks.act(ctx, task.id, office["admin"], Approve(), orphan.version)
    await tasks.forward(ctx, task.id, office["admin"], office["staf"], "Tangani dulu")
    assert [t.task_id for t in await queries.my_open_tasks(ctx, office["staf"])] == [task.id]


async def test_admin_rights_end_with_the_office(ctx: Context, office: Office) -> None:
    second_admin = await add_official(ctx, name="Admin dua", telegram_user_id=4400, is_admin=True)
    await deactivate(ctx, second_admin, by=office["admin"])
    async with queries.reading(ctx) as session:
        gone = await session.get(Official, second_admin)
        assert gone is not None and not gone.is_admin and not gone.active
    token = await invites.create_invite(ctx, role="pengelola_info", by=office["admin"])
    again = await invites.redeem(ctx, token, 4400, "Admin dua")
    assert again == second_admin
    with pytest.raises(NotPermitted):
        await invites.create_invite(ctx, role="karo", is_admin=True, by=second_admin)
    ended = [e for e in await events(ctx) if e.type == "official_deactivated"]
    assert ended[-1].payload["admin_rights_ended"] is True


@pytest.mark.parametrize("grants", [{"role": None, "is_admin": True}, {"role": "karo"}])
async def test_an_invitation_kept_back_by_a_removed_admin_is_withdrawn(
    ctx: Context, office: Office, grants: dict[str, object]
) -> None:
    leaving = await add_official(ctx, name="Admin pergi", telegram_user_id=4800, is_admin=True)
    kept = await invites.create_invite(ctx, by=leaving, **grants)  # type: ignore[arg-type]
    await deactivate(ctx, leaving, by=office["admin"])
    with pytest.raises(invites.InviteInvalid) as refused:
        await invites.redeem(ctx, kept, 4800, "Admin pergi")
    assert refused.value.details == {"reason": "withdrawn"}
    async with queries.reading(ctx) as session:
        gone = await session.get(Official, leaving)
        assert gone is not None and not gone.active and not gone.is_admin
        assert not list(
            await session.scalars(
                select(RoleAssignment).where(
                    RoleAssignment.official_id == leaving, RoleAssignment.role == "karo"
                )
            )
        )


async def test_an_admin_removed_before_the_fix_does_not_come_back_as_admin(
    ctx: Context, office: Office
) -> None:
    """A row left by the old `/cabut`: inactive, with the flag still set."""
    old = await add_official(ctx, name="Admin lama", telegram_user_id=4700, is_admin=True)
    async with ctx.sessions() as session, session.begin():
        row = await session.get(Official, old)
        assert row is not None
        row.active = False
    token = await invites.create_invite(ctx, role="pengelola_info", by=office["admin"])
    await invites.redeem(ctx, token, 4700, "Admin lama")
    with pytest.raises(NotPermitted):
        await invites.create_invite(ctx, role="karo", is_admin=True, by=old)


async def test_revoking_a_role_hands_its_tasks_over_and_ends_its_delegations(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:

    reg = await register(ctx, office)
    plh = await _plh_for_karo(ctx, office, clock, 4500)
    async with queries.reading(ctx) as session:
        held = await session.scalar(
            select(RoleAssignment.id).where(
                RoleAssignment.official_id == office["karo"], RoleAssignment.role == "karo"
            )
        )
    assert held is not None
    await revoke(ctx, held, by=office["admin"])
    assert await queries.my_open_tasks(ctx, plh) == []
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    assert task.assignee_id is None
    types = [e.type for e in await events(ctx)]
    assert "delegation_ended" in types and "task_handed_over" in types


async def test_a_reminder_goes_to_whoever_may_act_when_the_assignee_left_the_role(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    """The sweep reads who to remind from its batch preload: it must agree with the rule."""
    from bot.services import reminders

    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    await _karo_lapses(ctx, office, clock, 4600)
    clock.advance(minutes=90)
    assert await reminders.sweep(ctx) == 1
    nudges = [m for m in await outbox(ctx) if m.template == "task_nudge"]
    assert [(m.chat_id, m.task_id) for m in nudges] == [(4600, task.id)]


async def test_a_holder_registered_by_invitation_takes_up_the_orphaned_task(
    ctx: Context, office: Office
) -> None:
    """Appointing is an invitation in practice (`/undang`, `disposisi invite`): the newcomer
    gets the task that waited for a holder, as `assign_role` gives it."""
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    await deactivate(ctx, office["karo"], by=office["admin"])
    token = await invites.create_invite(ctx, role="karo", by=office["admin"])
    newcomer = await invites.redeem(ctx, token, 4900, "Karo baru")
    assert (await open_tasks(ctx, reg.proposal_id))["karo"].assignee_id == newcomer
    told = [m for m in await outbox(ctx) if m.chat_id == 4900]
    assert [(m.template, m.task_id) for m in told] == [("task_assigned", task.id)]
    assert "task_assigned" in [e.type for e in await events(ctx, reg.proposal_id)]
