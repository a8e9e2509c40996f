"""What a key may read with CHITIEU_READS=keyed: what it may write, its programmes and regions (a region's
sub-regions included). A request naming something outside them is 403; a listing shows only what is inside.
With open reads there is no key and no limit."""

from typing import Annotated

from fastapi import Depends

from api.auth import ReaderDep
from api.deps import CatalogueDep
from api.problems import Problem
from indicators.catalogue import Catalogue
from indicators.model import Indicator
from indicators.status import Evaluation
from ingest.keys import ALL, ApiKey


class ReadScope:
    def __init__(self, key: ApiKey | None, catalogue: Catalogue) -> None:
        self.key = key
        self.catalogue = catalogue
        self.unlimited = key is None or (ALL in key.programmes and ALL in key.regions)
        self._regions: dict[str, bool] = {}

    def programme_ok(self, programme: str) -> bool:
        return self.key is None or self.key.reaches_programme(programme)

    def region_ok(self, region: str) -> bool:
        if self.key is None:
            return True
        if region not in self._regions:
            self._regions[region] = self.key.reaches_region(self.catalogue.region_chain(region))
        return self._regions[region]

    def covers(self, programme: str | None, region: str | None) -> bool:
        """Whether the key reaches this programme and region; None is "not about one" (a task has no region)."""
        return (programme is None or self.programme_ok(programme)) and (region is None or self.region_ok(region))

    def require(self, programme: str | None, region: str | None) -> None:
        if not self.covers(programme, region):
            assert self.key is not None
            named = ", ".join(name for name in (programme, region) if name)
            raise Problem(
                403,
                "Ngoài phạm vi của khóa (outside the key's scope)",
                f"Key {self.key.id} may read only its programmes ({', '.join(self.key.programmes)}) and regions "
                f"({', '.join(self.key.regions)}), not {named}.",
                slug="out-of-scope",
            )

    def reaches(self, indicator: Indicator) -> bool:
        """An indicator is within reach when its programme is and one of the regions it is followed in is."""
        return self.programme_ok(indicator.programme) and any(
            self.region_ok(region) for region in self.catalogue.regions_of(indicator)
        )

    def require_indicator(self, indicator: Indicator) -> None:
        if not self.reaches(indicator):
            self.require(indicator.programme, self.catalogue.regions_of(indicator)[0])

    def reaches_tasks_of(self, programme: str) -> bool:
        """A programme's tasks are the province's: within reach with the programme and its province."""
        return self.covers(programme, self.catalogue.programmes[programme].province)

    def reaches_programme_of(self, indicator: str) -> bool:
        """Whether the key reaches the programme of the indicator (its regions aside)."""
        return self.programme_ok(self.catalogue.indicators[indicator].programme)

    def visible(self, board: list[Evaluation]) -> list[Evaluation]:
        """The evaluations of a board within reach."""
        if self.unlimited:
            return board
        return [e for e in board if self.covers(self.catalogue.indicators[e.indicator].programme, e.region)]

    def programmes(self) -> list[str] | None:
        """The programmes within reach; None: every one."""
        return None if self.unlimited else [p for p in self.catalogue.programmes if self.programme_ok(p)]

    def regions(self) -> list[str] | None:
        """The regions within reach; None: every one."""
        return None if self.unlimited else [r for r in self.catalogue.regions if self.region_ok(r)]

    def require_everything(self, what: str) -> None:
        """For what shows the whole board at once (the Prometheus exposition): a key for every programme and region."""
        if not self.unlimited:
            assert self.key is not None
            raise Problem(
                403,
                "Ngoài phạm vi của khóa (outside the key's scope)",
                f"{what} shows every programme and region: key {self.key.id} reaches only some of them; use a key "
                "created with --programmes '*' --regions '*'.",
                slug="out-of-scope",
            )


def read_scope(key: ReaderDep, catalogue: CatalogueDep) -> ReadScope:
    return ReadScope(key, catalogue)


ReadScopeDep = Annotated[ReadScope, Depends(read_scope)]
