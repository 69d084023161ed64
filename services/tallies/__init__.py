"""Tallies, exports and charts for the council: figures by GROUP BY, files built off the loop.

- scope.py: who may read the figures, and what a tally covers (a period, a campaign);
- figures.py: the tally (aggregate queries) and the chart;
- rows.py: the rows of each exported sheet, streamed to the writer thread;
- exports.py: the workbook, the CSV and the formal report, built in a worker thread;
- use_cases.py: `Tallies`, what the handlers call.
The documents' columns and labels are in reports/columns.py, the files are written by reports/.
"""

from __future__ import annotations

from services.tallies.exports import ExportFile, ExportResult, export, report_info, workbook
from services.tallies.figures import TOP, CampaignChoice, ChartResult, TallyResult, chart, tally
from services.tallies.scope import check, scope_code
from services.tallies.use_cases import Tallies

__all__ = [
    "TOP",
    "CampaignChoice",
    "ChartResult",
    "ExportFile",
    "ExportResult",
    "Tallies",
    "TallyResult",
    "chart",
    "check",
    "export",
    "report_info",
    "scope_code",
    "tally",
    "workbook",
]
