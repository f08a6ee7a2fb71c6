"""Registration by one-time invitation links: `/start <token>` binds a Telegram user to a role."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import limits, progress, roster
from bot.services.context import Context
from bot.services.errors import InvalidInput, Refusal
from bot.services.uow import UnitOfWork
from models import Invite, Official, RoleAssignment

DEFAULT_VALIDITY = timedelta(days=7)


class InviteInvalid(Refusal):
    code = "invite_invalid"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_invite(
    ctx: Context,
    *,
    role: str | None,
    unit: str | None = None,
    name: str | None = None,
    is_admin: bool = False,
    by: int | None = None,
    valid_for: timedelta = DEFAULT_VALIDITY,
) -> str:
    """A new token (only its hash is stored). `role` None with is_admin: an IT admin."""
    if role is None and not is_admin:
        raise InvalidInput("an invitation needs a role", field="role")
    if role is not None:
        roster.known_role(ctx.sops, role, admin=True)
    limits.check("unit", unit)
    limits.check("name", name)
    token = secrets.token_urlsafe(24)  # 32 characters: fits Telegram's 64-character start
    async with UnitOfWork(ctx) as uow:
        await roster.require_admin(uow.session, by)
        invite = Invite(
            token_hash=_hash(token),
            role=role,
            unit=unit,
            name=name,
            is_admin=is_admin,
            created_by_id=by,
            created_at=uow.now,
            expires_at=uow.now + valid_for,
        )
        uow.session.add(invite)
        await uow.session.flush()
        uow.record(
            "invite_created",
            actor_id=by,
            payload={
                "invite_id": invite.id,
                "role": role,
                "unit": unit,
                "is_admin": is_admin,
                "expires_at": invite.expires_at.isoformat(),
            },
        )
        await uow.commit()
    return token


async def usable(session: AsyncSession, tokens: Iterable[str], now: datetime) -> set[str]:
    """Those of `tokens` that name an invitation still open (not used, not expired): read
    only, so the inbox can tell a registration from a stranger's `/start` without a write."""
    by_hash = {_hash(token): token for token in tokens}
    if not by_hash:
        return set()
    found = await session.scalars(
        select(Invite.token_hash).where(
            Invite.token_hash.in_(list(by_hash)),
            Invite.used_at.is_(None),
            Invite.expires_at > now,
        )
    )
    return {by_hash[h] for h in found}


async def redeem(ctx: Context, token: str, telegram_user_id: int, display_name: str) -> int:
    """Bind the user to the invitation's role; returns the official's id.

    The same person redeeming a second invitation gains the second role; a used, expired or
    unknown token is refused (and recorded).
    """
    async with UnitOfWork(ctx) as uow:
        invite = await uow.session.scalar(
            select(Invite).where(Invite.token_hash == _hash(token)).with_for_update()
        )
        problem = (
            "unknown"
            if invite is None
            else "used"
            if invite.used_at is not None
            else "expired"
            if invite.expires_at <= uow.now
            else None
        )
        if problem is None and invite is not None and invite.created_by_id is not None:
            # An invitation is only as good as its maker: one made by an admin since removed
            # (or no longer admin) is withdrawn, so nobody returns through a link kept back.
            maker = await uow.session.get(Official, invite.created_by_id)
            if maker is None or not (maker.active and maker.is_admin):
                problem = "withdrawn"
        if invite is None or problem is not None:
            raise InviteInvalid("invitation not usable", reason=problem)
        official = await uow.session.scalar(
            select(Official).where(Official.telegram_user_id == telegram_user_id)
        )
        if official is None:
            official = Official(
                name=invite.name or display_name,
                telegram_user_id=telegram_user_id,
                created_at=uow.now,
            )
            uow.session.add(official)
        if not official.active:  # back after leaving: only what this invitation grants
            official.is_admin = False
        official.active = True
        official.is_admin = official.is_admin or invite.is_admin
        await uow.session.flush()
        if invite.role is not None:
            uow.session.add(
                RoleAssignment(
                    official_id=official.id, role=invite.role, unit=invite.unit, created_at=uow.now
                )
            )
        invite.used_at, invite.used_by_id = uow.now, official.id
        uow.record(
            "invite_redeemed",
            actor_id=official.id,
            payload={"invite_id": invite.id, "role": invite.role, "unit": invite.unit},
        )
        if invite.role is not None:
            # As when an admin appoints (officials.assign_role): the tasks that waited for a
            # holder of this role are theirs now, and they are told.
            await uow.session.flush()
            await progress.take_up_unassigned(uow, official.id, invite.role, invite.unit)
        await uow.commit()
        return official.id
