"""What every handler and use case needs: settings, database, profile, calendar, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.settings import Settings
from review.calendar import WorkingCalendar
from review.profiles import Profile, load_profile
from review.timeline import calendar_for
from storage import agencies as agency_repo
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
            added = await agency_repo.added_agencies(session, partnership.id)
        profile = profile.with_added_agencies([(a.key, a.name) for a in added])
        return cls(
            settings=settings,
            db=db,
            profile=profile,
            calendar=calendar_for(profile),
            partnership_id=partnership.id,
            partnership_slug=partnership.slug,
            clock=clock,
        )

    async def refresh_agencies(self) -> None:
        """Take in the agencies added since (by this process or another): the profile's own
        plus every added one."""
        async with self.db.session() as session:
            added = await agency_repo.added_agencies(session, self.partnership_id)
        known = [(a.id, a.name) for a in self.profile.agencies if a.added]
        wanted = [(a.key, a.name) for a in added]
        if wanted != known:
            self.profile = self.profile.with_added_agencies(wanted)

    def now(self) -> datetime:
        """The current time (UTC, timezone-aware) from the injected clock."""
        return self.clock()
