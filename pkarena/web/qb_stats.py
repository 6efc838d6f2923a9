"""Item statistics for organizers: a sortable table, a facility-vs-discrimination scatter and an xlsx export."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

from flask import Blueprint, render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pkarena import runtime
from pkarena.authz import require
from pkarena.services.bank import item_stats

bp = Blueprint("qb_stats", __name__, url_prefix="/qb/stats")

TYPE_LABELS = {"single": _l("单选"), "multiple": _l("多选"), "judge": _l("判断"), "fill": _l("填空")}
STATUS_LABELS = {"draft": _l("草稿"), "active": _l("启用"), "retired": _l("已停用")}
FLAG_LABELS = {
    "facility_low": _l("过难（答对率低于 20%）"),
    "facility_high": _l("过易（答对率高于 90%）"),
    "discrimination_negative": _l("区分度为负"),
    "discrimination_low": _l("区分度低（低于 0.2）"),
    "efficiency_low": _l("区分效率低（低于 15%）"),
}


def _filters() -> tuple[dict, datetime | None]:
    """The query string's filters (unknown values ignored) and the start of the `since` day in the local zone."""
    args = request.args
    since_text = args.get("since", "").strip()
    try:
        since_day = date.fromisoformat(since_text) if since_text else None
    except ValueError:
        since_day = None
    type_name = args.get("type") if args.get("type") in TYPE_LABELS else None
    filters = {"category": args.get("category", type=int), "type": type_name,
               "since": since_day.isoformat() if since_day else ""}
    return filters, runtime.clock().day_bounds(since_day)[0] if since_day else None


def _report() -> tuple[item_stats.StatsReport, dict]:
    filters, since = _filters()
    report = item_stats.item_report(runtime.session(), since=since, category_id=filters["category"],
                                    type_name=filters["type"])
    return report, filters


@bp.route("/")
@require("organizer")
def page():
    """Every question's statistics with filters, the scatter and the answer distribution of a chosen question."""
    report, filters = _report()
    categories = sorted(item_stats.category_paths(runtime.session()).items(), key=lambda c: c[1][1])
    return render_template("qb/stats.html", report=report, filters=filters, categories=categories,
                           chart=item_stats.chart_data(report.rows), type_labels=TYPE_LABELS,
                           status_labels=STATUS_LABELS, flag_labels=FLAG_LABELS)


def _export_text() -> item_stats.ExportText:
    return item_stats.ExportText(
        sheet=_("题目统计"), title=_("题目统计"), generated=_("生成于 {at}"), since=_("统计起始 {since}"),
        everything=_("统计全部作答记录"), alpha_undefined=_("无法计算（总分无差异）"),
        fixed_set=_("固定题组：题目 {ids}"), set_attempts=_("{n} 次完整作答"),
        no_fixed_set=_("没有固定题组（需要至少 2 次作答了同一组题目）"),
        columns=(_("题目编号"), _("题型"), _("分类"), _("状态"), _("题干"), _("正确答案"), _("作答次数"),
                 _("答对率(%)"), _("标准差"), _("区分度"), _("区分效率(%)"), _("随机猜中率(%)"),
                 _("答题用时中位数(秒)"), _("选项分布"), _("标记")),
        types={k: str(v) for k, v in TYPE_LABELS.items()}, flags={k: str(v) for k, v in FLAG_LABELS.items()},
        statuses={k: str(v) for k, v in STATUS_LABELS.items()})


@bp.route("/export.xlsx")
@require("organizer")
def export():
    """The same rows (same filters) as an .xlsx, with Cronbach's α of the fixed sets at the top."""
    report, _filters_used = _report()
    generated = runtime.clock().local().strftime("%Y-%m-%d %H:%M")
    data = item_stats.export_xlsx(report, generated, _export_text())
    return send_file(BytesIO(data), as_attachment=True, download_name=_("题目统计") + ".xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
