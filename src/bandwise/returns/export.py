"""The JE KPI return and the practices audit as XLSX workbooks for the board and for
copying into NHS England's collection: the return's tables, the gaps and the jobs
behind each figure. Pure: it takes the JSON the services give."""

from __future__ import annotations

import io
from typing import Any

from .rules import NM_BANDS

_TABLES = (
    ("nm_job_descriptions", "N&M job descriptions", ("in_use", "reviewed_3y", "reviewed_12m")),
    (
        "nm_staff_reviewed",
        "N&M staff reviewed against job descriptions",
        ("staff_reviewed", "increase", "decrease", "no_change"),
    ),
)
_HEADINGS = {
    "in_use": "In use",
    "reviewed_3y": "Reviewed in the last 3 years",
    "reviewed_12m": "Reviewed in the last 12 months",
    "staff_reviewed": "Staff whose JDs were reviewed (12 months)",
    "increase": "Band increased",
    "decrease": "Band decreased",
    "no_change": "No change",
}


def _safe(value: Any) -> Any:
    """A cell value that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def return_xlsx(payload: dict[str, Any]) -> bytes:
    import xlsxwriter  # type: ignore[import-untyped]

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("Return")
    sheet.set_column(0, 0, 48)
    sheet.set_column(1, 6, 14)
    line = 0
    for label, value in (
        ("Quarter", payload["quarter"]),
        ("Organisation", payload["organisation"]),
        ("As at", payload["as_at"]),
        ("SRO sign-off", "confirmed" if payload["sro_signoff"]["confirmed"] else "not yet"),
        ("SRO", payload["sro_signoff"]["by"] or ""),
        ("Signed off on", payload["sro_signoff"]["on"] or ""),
    ):
        sheet.write(line, 0, label, bold)
        sheet.write(line, 1, _safe(value))
        line += 1
    line += 1
    sheet.write(line, 0, "Board readiness", bold)
    line += 1
    for item in payload["board_readiness"]:
        sheet.write(line, 0, _safe(item["statement"]))
        sheet.write(line, 1, item["answer"] or "not answered")
        line += 1
    for key, title, figures in _TABLES:
        line += 1
        sheet.write(line, 0, title, bold)
        for col, band in enumerate(NM_BANDS, start=1):
            sheet.write(line, col, f"Band {band}", bold)
        line += 1
        for figure in (*figures, "estimated"):
            sheet.write(line, 0, _HEADINGS.get(figure, "Estimated"))
            for col, band in enumerate(NM_BANDS, start=1):
                value = payload[key][band][figure]
                sheet.write(
                    line, col, ("yes" if value else "no") if figure == "estimated" else value
                )
            line += 1
    gaps = book.add_worksheet("Gaps")
    gaps.set_column(0, 1, 60)
    gaps.write_row(0, 0, ("Job", "Reason"), bold)
    for row, gap in enumerate(payload["gaps"], start=1):
        gaps.write_row(row, 0, (_safe(gap["job"]), _safe(gap["reason"])))
    if "drill_down" in payload:
        drill = book.add_worksheet("Jobs behind each figure")
        drill.set_column(0, 4, 24)
        drill.write_row(0, 0, ("Table", "Band", "Figure", "Reference", "Title"), bold)
        row = 1
        for key, _title, figures in _TABLES:
            for band in NM_BANDS:
                for figure in figures:
                    for job in payload["drill_down"][key][band][figure]:
                        drill.write_row(
                            row,
                            0,
                            (key, band, figure, _safe(job["reference"]), _safe(job["title"])),
                        )
                        row += 1
    book.close()
    return out.getvalue()


def _words(key: str) -> str:
    """A status or key code as words ("outcome-recorded" → "outcome recorded")."""
    return key.replace("_", " ").replace("-", " ")


def evidence_lines(evidence: dict[str, Any]) -> list[str]:
    """An evidence dict as short lines ("share: 0.75 (3 of 4)", "median: 12"), lists
    summarised by their length."""
    lines = []
    if "count" in evidence and "of" in evidence:
        share = evidence["share"]
        percent = f"{share:.0%}" if share is not None else "no records"
        lines.append(f"{evidence['count']} of {evidence['of']} ({percent})")
    for key, value in evidence.items():
        if key in ("count", "of", "share"):
            continue
        if isinstance(value, list):
            shown = [
                v if isinstance(v, str) else ", ".join(f"{k}: {x}" for k, x in v.items())
                for v in value
            ]
            lines.append(f"{_words(key)}: " + ("; ".join(shown) if shown else "none"))
        elif isinstance(value, dict):
            lines.append(
                f"{_words(key)}: "
                + (", ".join(f"{_words(k)} {v}" for k, v in value.items()) or "none")
            )
        else:
            lines.append(f"{_words(key)}: {value if value is not None else 'no records'}")
    return lines


def audit_xlsx(audit: dict[str, Any]) -> bytes:
    """The practices audit as a workbook: one row per statement with its evidence."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet("JE practices audit")
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 60)
    sheet.set_column(2, 2, 12)
    sheet.set_column(3, 3, 70)
    sheet.write(
        0, 0, f"{audit['organisation']}: JE practices, {audit['from']} to {audit['to']}", bold
    )
    sheet.write_row(2, 0, ("Area", "Statement", "Verified", "Evidence"), bold)
    for row, item in enumerate(audit["statements"], start=3):
        sheet.write(row, 0, _safe(item["area"]), wrap)
        sheet.write(row, 1, _safe(item["statement"]), wrap)
        sheet.write(row, 2, "yes" if item["verified"] else "not yet", wrap)
        sheet.write(row, 3, _safe("\n".join(evidence_lines(item["evidence"]))), wrap)
    book.close()
    return out.getvalue()


def audit_html(audit: dict[str, Any]) -> str:
    """The practices audit as a printable HTML page (for the PDF)."""
    from html import escape

    rows = "".join(
        f"<tr><td>{escape(i['area'])}</td><td>{escape(i['statement'])}"
        f"{'' if i['verified'] else ' <em>(our wording, not yet verified)</em>'}</td>"
        f"<td>{'<br>'.join(escape(line) for line in evidence_lines(i['evidence']))}</td></tr>"
        for i in audit["statements"]
    )
    title = f"JE practices self-assessment: {audit['organisation']}"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>body{{font-family:sans-serif;font-size:10pt}}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:4px;"
        "vertical-align:top;text-align:left}</style></head><body>"
        f"<h1>{escape(title)}</h1><p>Period: {escape(audit['from'])} to {escape(audit['to'])}. "
        "The statements are ours, to be aligned with the national Job Evaluation Enabling "
        "Agreement once it is published.</p><table><thead><tr><th>Area</th><th>Statement</th>"
        "<th>Evidence from the records</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></body></html>"
    )
