"""Transmission periods and deadlines of e-reporting, per VAT regime.

Source of every fact here: DGFiP external specifications v3.2 (general file),
§3.7.7 "Les modalités de transmission", Tableau 13 "Les périodes de
transmission par régime de TVA" and its footnote 126; they refer to the
regulatory texts of 7 October 2022.

- Réel normal mensuel: transactions (10.1 / 10.3) by décade: the 1st-10th are
  due to the platform on the 20th, the 11th-20th on the last day of the
  month, the 21st-end of month on the 10th of the next month; payments (10.2
  / 10.4) by month, due on the 10th of the next month.
- Réel normal trimestriel: transactions and payments by month, due on the
  10th of the next month.
- Réel simplifié: transactions and payments by month, due on the last day of
  the next month.
- Franchise en base: transactions and payments by civil bimonth (starting
  1 January, 1 March, 1 May, 1 July, 1 September, 1 November), due on the
  last day of the month after the bimonth.

The platform then forwards the data to the administration "within 8 hours
after the last day of the deposit deadline": Tableau 13 gives, for every row,
08:00 on the day after the platform's deadline. The specifications do not
name a time zone; French legal time is the natural reading (not confirmed).

The date that places an operation in a period is the date of the operation
for transactions and the date of encashment for payments (§3.7.7, note 125).
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from enum import StrEnum

from ..errors import ModelError

#: Tableau 13: the platform transmits to the administration by 08:00 the day after the deadline.
ADMINISTRATION_HOUR = datetime.time(8, 0)


class VatRegime(StrEnum):
    """The declarant's VAT regime, which sets its periods (Tableau 13)."""

    NORMAL_MONTHLY = "normal_monthly"  # régime réel normal mensuel
    NORMAL_QUARTERLY = "normal_quarterly"  # régime réel normal trimestriel
    SIMPLIFIED = "simplified"  # régime simplifié d'imposition (RSI)
    FRANCHISE = "franchise"  # régime de franchise en base de TVA


class DataKind(StrEnum):
    """Transactions and payments are transmitted separately, each on its own periods (§3.7.7)."""

    TRANSACTIONS = "transactions"  # blocks 10.1 and 10.3 (TB-2)
    PAYMENTS = "payments"  # blocks 10.2 and 10.4 (TB-3)


@dataclass(frozen=True, slots=True)
class Period:
    """One transmission period: its dates (TT-17/18 or TT-89/90) and its two deadlines."""

    regime: VatRegime
    kind: DataKind
    start: datetime.date
    end: datetime.date
    #: The last day on which the data of the period must reach the approved platform.
    deadline: datetime.date

    @property
    def administration_deadline(self):
        """When the platform must have transmitted the period to the administration (PPF)."""
        return datetime.datetime.combine(self.deadline + datetime.timedelta(days=1), ADMINISTRATION_HOUR)

    def next(self):
        return period_containing(self.regime, self.kind, self.end + datetime.timedelta(days=1))

    def previous(self):
        return period_containing(self.regime, self.kind, self.start - datetime.timedelta(days=1))

    def __contains__(self, day):
        return self.start <= day <= self.end

    def is_over(self, today):
        """The period has ended: its report can be built (the end must precede the control date, rule G7.43)."""
        return self.end < today


def _month_end(year, month):
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _month_after(year, month, months=1):
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _monthly(regime, kind, day, deadline_of):
    start, end = day.replace(day=1), _month_end(day.year, day.month)
    return Period(regime, kind, start, end, deadline_of(*_month_after(day.year, day.month)))


def period_containing(regime, kind, day):
    """The period of ``regime`` for ``kind`` that contains ``day``."""
    regime, kind = _regime(regime), _kind(kind)
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        raise ModelError(f"a period is looked up from a datetime.date, not {type(day).__name__}")
    if regime == VatRegime.NORMAL_MONTHLY and kind == DataKind.TRANSACTIONS:
        year, month = day.year, day.month
        if day.day <= 10:  # 1st décade: due on the 20th
            return Period(regime, kind, day.replace(day=1), day.replace(day=10), day.replace(day=20))
        if day.day <= 20:  # 2nd décade: due on the last day of the month
            return Period(regime, kind, day.replace(day=11), day.replace(day=20), _month_end(year, month))
        # 3rd décade (8 to 11 days): due on the 10th of the next month
        next_year, next_month = _month_after(year, month)
        return Period(
            regime, kind, day.replace(day=21), _month_end(year, month), datetime.date(next_year, next_month, 10)
        )
    if regime in (VatRegime.NORMAL_MONTHLY, VatRegime.NORMAL_QUARTERLY):
        # monthly, due on the 10th of the next month
        return _monthly(regime, kind, day, lambda year, month: datetime.date(year, month, 10))
    if regime == VatRegime.SIMPLIFIED:
        # monthly, due on the last day of the next month
        return _monthly(regime, kind, day, _month_end)
    # franchise: civil bimonths from January; due on the last day of the month after the bimonth
    first_month = day.month - (day.month - 1) % 2
    end = _month_end(*_month_after(day.year, first_month))
    return Period(
        regime, kind, datetime.date(day.year, first_month, 1), end, _month_end(*_month_after(day.year, first_month, 2))
    )


def period_starting(regime, kind, start):
    """The period that starts on ``start``; ModelError when no period of the regime starts that day."""
    period = period_containing(regime, kind, start)
    if period.start != start:
        raise ModelError(
            f"no {kind} period of the {regime} VAT regime starts on {start}: "
            f"the period containing that day runs from {period.start} to {period.end}"
        )
    return period


def periods_between(regime, kind, first_day, last_day):
    """Every period that overlaps ``first_day``..``last_day``, in order."""
    if last_day < first_day:
        return
    period = period_containing(regime, kind, first_day)
    while period.start <= last_day:
        yield period
        period = period.next()


def _regime(value):
    try:
        return VatRegime(value)
    except ValueError:
        raise ModelError(
            f"unknown VAT regime {value!r}: expected one of {', '.join(regime.value for regime in VatRegime)}"
        ) from None


def _kind(value):
    try:
        return DataKind(value)
    except ValueError:
        raise ModelError(f"unknown e-reporting data kind {value!r}: expected transactions or payments") from None
