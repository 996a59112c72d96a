"""The monthly circular (通报) as tables: routing's, departments' and intake's parts of a
month joined and named in Chinese, towns and departments ranked (pure; ``report``
fetches the parts and writes the files)."""
from dataclasses import dataclass, field
from typing import Any

TIER_NAMES = {"village": "村级联络站", "town": "镇级中心联络站", "district": "区人大代表之家",
              "city": "市人大"}
CHANNEL_NAMES = {"visit": "走访", "reception": "接访", "hotline": "热线", "online": "网上",
                 "grid": "网格"}
RATING_NAMES = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


@dataclass
class Table:
    name: str                     # file and sheet name
    title: str                    # what a reader sees
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def compose(routing: dict[str, Any], departments: dict[str, Any], feedback: dict[str, Any],
            representatives: dict[str, Any], names: dict[str, dict[str, str]]) -> list[Table]:
    """The circular's tables, in the order a reader meets them."""
    totals = routing["totals"]
    lead = departments["departments"]
    completed_in_time = sum(d.get("complete_in_time", 0) for d in lead.values())
    complete_limits = sum(d.get("complete_limits", 0) for d in lead.values())
    overview = Table("overview", "总体情况", ["指标", "数值"], [
        ["收到问题（件）", totals["received"]], ["办结（件）", totals["resolved"]],
        ["销号（件）", totals["closed"]], ["月末未销号（件）", totals["open_at_end"]],
        ["超时自动上报（件）", totals["escalated_by_time"]],
        ["当前超期（件）", totals["overdue_now"]],
        ["联络站按时办理率", percent(rate(totals["station_limits_in_time"],
                                        totals["station_limits"]))],
        ["部门按时办结率", percent(rate(completed_in_time, complete_limits))],
        ["群众满意率", percent(feedback["satisfaction"])],
        *[[label, routing.get("funds", {}).get(key) or "—"]
          for label, key in (("应急资金池（元）", "pool"), ("已安排（元）", "allocated"),
                             ("已支出（元）", "spent"))]])
    return [overview, towns_ranked(routing, feedback, names), departments_ranked(lead, names),
            counted("categories", "按类别", "类别", routing["by_category"], names["categories"]),
            counted("channels", "按渠道", "渠道", routing["by_channel"], CHANNEL_NAMES),
            counted("open_by_tier", "月末未销号（按层级）", "层级", routing["open_by_tier"],
                    TIER_NAMES),
            counted("ratings", "群众评价", "评价", feedback["ratings"], RATING_NAMES),
            Table("overdue", "超期事项", ["编号", "标题", "联络站", "超期起始"],
                  [[o["tracking_no"], o["title"], names["stations"].get(o["station_id"],
                                                                         o["station_id"]),
                    o["overdue_since"][:16].replace("T", " ")] for o in routing["overdue"]]),
            Table("clusters", "重复问题", ["村（社区）", "类别", "件数", "编号"],
                  [[names["villages"].get(c["village_code"], c["village_code"]),
                    names["categories"].get(c["category"], c["category"]), c["count"],
                    "、".join(c["tracking_nos"])] for c in routing["clusters"]]),
            work_record(representatives, names)]


def work_record(part: dict[str, Any], names: dict[str, dict[str, str]]) -> Table:
    """The representatives' work record of the month (代表履职档案)."""
    rows = [[names["representatives"].get(r, r), c.get("visits", 0), c.get("voters_met", 0),
             c.get("issues", 0), c.get("issues_closed", 0) + c.get("issues_handled", 0),
             c.get("issues", 0) - c.get("issues_closed", 0) - c.get("issues_handled", 0),
             c.get("reception_days", 0)]
            for r, c in part["representatives"].items()]
    return Table("representatives", "代表履职档案",
                 ["代表", "走访（次）", "见到选民（人）", "收集问题（件）", "已办结", "办理中",
                  "接访（天）"],
                 sorted(rows, key=lambda row: (-row[1], -row[3], row[0])))


def towns_ranked(routing: dict[str, Any], feedback: dict[str, Any],
                 names: dict[str, dict[str, str]]) -> Table:
    """Towns by the share of their limits kept, then by satisfaction (考核)."""
    rows: list[list[Any]] = []
    for town, c in routing["by_town"].items():
        kept = rate(c.get("in_time", 0), c.get("limits", 0))
        satisfied = feedback["by_town"].get(town, {}).get("satisfaction")
        rows.append([names["stations"].get(town, town), c.get("received", 0),
                     c.get("resolved", 0), c.get("escalated_by_time", 0), kept, satisfied])
    rows.sort(key=lambda r: (-(r[4] if r[4] is not None else -1),
                             -(r[5] if r[5] is not None else -1), r[0]))
    return Table("towns", "镇（街道）排名", ["名次", "镇（街道）", "收到", "办结", "超时上报",
                                         "按时办理率", "满意率"],
                 [[n, *r[:4], percent(r[4]), percent(r[5])] for n, r in enumerate(rows, 1)])


def departments_ranked(lead: dict[str, dict[str, int]],
                       names: dict[str, dict[str, str]]) -> Table:
    """Departments by the share of completions in time, then by fewest returns."""
    rows: list[list[Any]] = []
    for code, c in lead.items():
        rows.append([names["departments"].get(code, code), c.get("assigned", 0),
                     c.get("completed", 0), c.get("returned", 0), c.get("extensions_asked", 0),
                     c.get("extensions_granted", 0),
                     rate(c.get("accept_in_time", 0), c.get("accept_limits", 0)),
                     rate(c.get("complete_in_time", 0), c.get("complete_limits", 0)),
                     c.get("overdue_now", 0)])
    rows.sort(key=lambda r: (-(r[7] if r[7] is not None else -1), r[3], r[0]))
    return Table("departments", "承办部门排名",
                 ["名次", "部门", "交办", "办结", "退回", "申请延期", "批准延期", "按时签收率",
                  "按时办结率", "当前超期"],
                 [[n, *r[:6], percent(r[6]), percent(r[7]), r[8]]
                  for n, r in enumerate(rows, 1)])


def counted(name: str, title: str, label: str, counts: dict[str, int],
            names: dict[str, str]) -> Table:
    return Table(name, title, [label, "件数"],
                 [[names.get(k, k), v] for k, v in sorted(counts.items(),
                                                          key=lambda kv: (-kv[1], kv[0]))])
