"""What each stage's report module provides to the common driver (cli.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

from .plotting import PlotFunction, PlotOutcome
from .reportfile import Part
from .runs import Inventory, Run


@dataclass
class ReportContext:
    results_dir: str
    plots_rel: str  # the plots folder relative to the markdown file, e.g. "plots-p1"
    generated_at: str

    @property
    def source_note(self) -> str:
        return f"from the logs under {self.results_dir}/ on {self.generated_at}"


class Stage:
    key = "p0"  # the just module name: p1, p2, ...
    number = 0

    def runs(self) -> List[Run]:
        raise NotImplementedError

    def hint(self) -> str:
        """How to produce the runs that are missing (printed after the checklist)."""
        raise NotImplementedError

    def plots(self, inv: Inventory) -> Sequence[Tuple[str, PlotFunction]]:
        raise NotImplementedError

    def markdown(self, inv: Inventory, plots: Dict[str, PlotOutcome], ctx: ReportContext) -> List[Part]:
        """The report: the student's starting text (str) and the generated blocks, in order."""
        raise NotImplementedError
