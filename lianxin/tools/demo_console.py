"""Work the demo leaves open for the web console's sample users, so that each of their
pages has something on it after ``make demo``:

- at 白庙村 (baimiao) two issues taken at its reception and left open, one of them
  escalated to 关庙镇 (guanmiao), where it waits;
- at the district two issues waiting for the next meeting, one escalated for want of
  funds with money allocated from the pool and part of it spent;
- at 区交通运输局 (jtj) an assignment accepted and an extension asked, for the district
  office to decide, and one handed over at the meeting and not yet signed for at a
  hearing.
"""
from types import SimpleNamespace

from lianxin.tools.client import month_now, wait_for

VILLAGE = "610902101002"                 # 白庙村
STATION = f"st-{VILLAGE}"
ASKS = (   # category, title, what the voter said
    ("roads", "三组便道雨后泥泞",
     "三组到村委会的便道一下雨就泥泞不堪，老人孩子出行不便，希望硬化。"),
    ("water", "五组自来水时断时续",
     "五组近两周自来水时断时续，早晚用水高峰基本没水，希望尽快检修。"),
    ("education", "村小学围墙开裂",
     "村小学东侧围墙出现多处裂缝，存在倒塌隐患，村里无力承担维修费用。"),
    ("roads", "村口桥梁护栏缺失", "村口小桥两侧护栏缺失，夜间通行危险，希望尽快安装。"),
    ("roads", "组道路灯损坏", "二组至四组组道路灯大多损坏，夜间出行不便，希望修复。"),
)


def leave_work(month):
    """Leave the open work above; the tracking numbers, by what each was left for."""
    left = {}
    ids = [_take(month, n, category, title, text)
           for n, (category, title, text) in enumerate(ASKS)]
    left["open at 白庙村"] = ids[0]
    _escalate(month, ids[1], STATION, "needs_department", "需镇里协调供水站检修")
    left["waiting at 关庙镇"] = ids[1]
    for issue_id, reason in ((ids[2], "needs_funding"), (ids[3], "needs_department"),
                             (ids[4], "needs_department")):
        held = month.route(issue_id)
        while held["tier"] != "district":        # up the ladder, by whoever holds it
            held = _escalate(month, issue_id, held["station_id"], reason,
                             "本级无法解决，提请上级协调")
    left["waiting for the meeting"] = ids[2]
    _fund(month, ids[2])
    referred = month.meeting([{"issue_id": i, "action": "refer", "department": "jtj",
                               "note": "请区交通运输局限期办理"} for i in ids[3:]])
    accepted = month.assignment(_item(month, referred[0]["issue_id"]), "jtj", True)
    key = month.keys.department("jtj")
    month.api.post("departments", f"/assignments/{accepted['id']}/accept",
                   {"note": "已签收，安排养护站勘查"}, key=key)
    month.api.post("departments", f"/assignments/{accepted['id']}/extension",
                   {"days": 5, "reason": "护栏需定制，厂家供货需要一周"}, key=key)
    left["extension to decide"] = referred[0]["issue_id"]
    month.assignment(_item(month, referred[1]["issue_id"]), "jtj", True)
    left["to sign for at a hearing"] = referred[1]["issue_id"]
    return {what: month.route(issue_id)["tracking_no"] for what, issue_id in left.items()}


def _take(month, n, category, title, text):
    out = month.api.post("intake", "/issues", {
        "channel": "reception", "station_id": STATION, "village_code": VILLAGE,
        "category": category, "title": title, "description": text,
        "voter": {"name": "陈" + "秀兰志强桂英建华明"[n * 2:n * 2 + 2],
                  "phone": f"1390915{n:04d}"}}, expect=(201,))
    wait_for(f"routing to place {out['tracking_no']}",
             lambda: month.route(out["id"]) or (None, "not yet"))
    return out["id"]


def _escalate(month, issue_id, station, reason, note):
    """Up one tier (or straight to the district); routing's issue after it."""
    return month.api.post("routing", f"/issues/{issue_id}/escalate",
                          {"reason": reason, "note": note}, key=month.keys.station(station))


def _fund(month, issue_id):
    today = month_now(month.config).date().isoformat()
    allocation = month.api.post("routing", f"/issues/{issue_id}/funds", {
        "amount": "30000.00", "source_department": "czj", "allocated_on": today,
        "note": "区财政应急资金，用于围墙加固"}, key=month.keys.district)
    month.api.post("routing", f"/funds/{allocation['id']}/spent", {"amount": "12000.00"},
                   key=month.keys.district)


def _item(month, issue_id):
    return SimpleNamespace(id=issue_id, tracking_no=month.route(issue_id)["tracking_no"])
