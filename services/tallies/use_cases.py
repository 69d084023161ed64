"""The council's tallies, exports and charts as use cases: long reads on read-only sessions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from reports.model import Scope
from services.base import UseCases
from services.tallies.exports import ExportResult, export
from services.tallies.figures import ChartResult, TallyResult, chart, tally
from services.tallies.scope import check, scope_code


class Tallies(UseCases):
    """Tallies, exports and charts (council members, in private or in their council group)."""

    def scope_code(self, text: str) -> str:
        """What was typed after /tally, /export or /stats as a scope code (Invalid if not one)."""
        return scope_code(text, self.today())

    async def tally(self, *, tg_user_id: int, chat_id: int, code: str) -> TallyResult:
        """The figures of a period or campaign, and the campaigns to offer as switches."""
        async with self.env.reading() as session:
            return await tally(
                session,
                tg_user_id=tg_user_id,
                chat_id=chat_id,
                code=code,
                tz=self.env.tz,
                now=self.now(),
            )

    async def export(
        self,
        *,
        tg_user_id: int,
        chat_id: int,
        code: str,
        started: Callable[[Scope], Awaitable[None]],
    ) -> ExportResult:
        """The documents of a period or campaign (the caller closes them); `started` is awaited
        with the scope once the reader is allowed, before the long read begins."""
        # Two reads: a teacher is refused before `started` shows any progress message, and no
        # session stays open while it talks to Telegram.
        async with self.env.reading() as session:
            scope = await check(
                session,
                tg_user_id=tg_user_id,
                chat_id=chat_id,
                code=code,
                tz=self.env.tz,
                now=self.now(),
            )
        await started(scope)
        async with self.env.reading() as session:
            return await export(
                session,
                tg_user_id=tg_user_id,
                chat_id=chat_id,
                code=code,
                tz=self.env.tz,
                now=self.now(),
            )

    async def chart(self, *, tg_user_id: int, chat_id: int, code: str, locale: str) -> ChartResult:
        """Approved stories per department and per month, as a PNG titled in `locale`."""
        texts = self.texts
        async with self.env.reading() as session:
            return await chart(
                session,
                tg_user_id=tg_user_id,
                chat_id=chat_id,
                code=code,
                tz=self.env.tz,
                now=self.now(),
                title=lambda scope, org: texts.plain(
                    locale, "reports.chart_title", scope=scope, org=org
                ),
                labels={
                    "by_department": texts.plain(locale, "reports.chart_by_department"),
                    "by_month": texts.plain(locale, "reports.chart_by_month"),
                    "per_head": texts.plain(locale, "reports.chart_per_head"),
                    "decimal": "," if locale == "vi" else ".",
                    "stories": texts.plain(locale, "reports.chart_axis_stories"),
                    "month": texts.plain(locale, "reports.chart_axis_month"),
                    "department": texts.plain(locale, "reports.chart_axis_department"),
                },
            )
