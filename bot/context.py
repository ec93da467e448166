"""What every handler and use case needs: settings, database, profile, calendar, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.settings import Settings
from review.calendar import WorkingCalendar
from review.profiles import Profile, load_profile
from review.timeline import calendar_for
from storage import repositories as repo
from storage.db import Database


@dataclass
class AppContext:
    """The running partnership's context, built once at start-up."""

    settings: Settings
    db: Database
    profile: Profile
    calendar: WorkingCalendar
    partnership_id: int
    partnership_slug: str
    clock: Callable[[], datetime]

    @classmethod
    async def start(
        cls, settings: Settings, db: Database, *, clock: Callable[[], datetime]
    ) -> AppContext:
        """Load the partnership profile and make sure its row exists."""
        profile = load_profile(settings.partnership_profile)
        async with db.session() as session, session.begin():
            partnership = await repo.ensure_partnership(
                session,
                slug=profile.id,
                name=profile.partnership.name,
                profile=profile.id,
                tenant_id=settings.tenant_id or None,
            )
        return cls(
            settings=settings,
            db=db,
            profile=profile,
            calendar=calendar_for(profile),
            partnership_id=partnership.id,
            partnership_slug=partnership.slug,
            clock=clock,
        )

    def now(self) -> datetime:
        """The current time (UTC, timezone-aware) from the injected clock."""
        return self.clock()
