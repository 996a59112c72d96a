"""``lianxin demo``: feed a plausible month of the sample district, then print its ledger.

With the four services running (``make run`` / ``lianxin run``), the command plays
every role of the sample directory over the public HTTP APIs:

1. voters raise a few hundred issues through all five channels (some solved on the spot);
2. village stations resolve some and escalate the rest to their town's central station,
   which again resolves some and escalates the rest to the district Representatives' Home
   (``funding`` issues start at the district, ``land`` issues at the town);
3. one month-end meeting of the district decides every issue open at the district:
   most are referred to departments (some naming a lead and cooperating departments),
   a few are forwarded to the city (some get the city's reply), some answered directly;
4. departments accept, report progress and complete; some return theirs with a reason,
   and a second meeting refers those to another department, which completes them;
5. voters rate handled issues (satisfied / basically satisfied / unsatisfied; an
   unsatisfied rating reopens the issue, which is left open).

Everything after an HTTP call that changes state in another service happens through
events, so each step waits for its effect by polling with a deadline. All names and
phone numbers are made up.
"""
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import click
import requests
from requests.adapters import HTTPAdapter
from rich.columns import Columns
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn,
                           TextColumn, TimeElapsedColumn)
from rich.table import Table

from lianxin import config as configuration
from lianxin.config import read_yaml

WORKERS = 8
STEP_TIMEOUT = 30.0        # seconds any one asynchronous step may take
HTTP_TIMEOUT = 15.0

TIER_NAMES = {"village": "村级联络站", "town": "镇级中心联络站", "district": "区人大代表之家",
              "city": "市人大"}
STATUS_NAMES = {"open": "办理中", "referred": "已交办部门", "forwarded": "已提请市级",
                "handled": "已办结待评价", "closed": "已销号"}

# ---------------------------------------------------------------------------------
# What voters say: per category, (title, detail) pairs and what they ask for.
# ``{place}`` is the village's name; ``{n}`` and ``{m}`` are small numbers.
PHRASES = {
    "roads": ([
        ("{place}通组路路面坑洼", "{place}通往{n}组的道路约{m}百米路面破损，雨天积水严重，车辆难以通行。"),
        ("{place}村口便民桥护栏损坏", "村口便民桥护栏锈断，学生每天上下学都从桥上经过，存在安全隐患。"),
        ("{place}主干道缺少路灯", "村主干道没有路灯，老人和学生晚上出行很不方便，去年冬天还有人摔伤。"),
        ("{place}村道雨后塌方", "连续降雨后村道一侧塌方约{m}十米，车辆只能单向通行。"),
        ("{place}到镇上的班车太少", "每天只有两班车去镇上，群众看病、赶集很不方便。"),
    ], ["希望尽快修复，并设置警示标志。", "请有关部门实地查看，纳入维修计划。"]),
    "water": ([
        ("{place}自来水经常停水", "{place}{n}组近一个月自来水隔三岔五停水，用水高峰时段基本没有水。"),
        ("{place}饮水管道老化漏水", "村里的饮水管道铺设已有十多年，多处老化漏水，水压不足。"),
        ("{place}灌溉水渠淤堵", "{n}组的灌溉水渠淤泥堆积、渠壁破损，{m}十亩水田灌溉困难。"),
        ("{place}山坪塘需要清淤加固", "山坪塘多年未清淤，蓄水能力下降，汛期坝体有渗水现象。"),
    ], ["希望尽快安排维修，保障群众用水。", "请帮助协调解决。"]),
    "agriculture": ([
        ("{place}茶园缺少生产便道", "{place}{m}百多亩茶园没有生产便道，采茶季节运输全靠肩挑背扛。"),
        ("{place}猕猴桃销路不畅", "今年猕猴桃丰收但收购价偏低，{n}十多户果农的产品积压。"),
        ("{place}农机购置补贴迟迟未到", "群众购买农机后申请补贴已经三个月，一直没有消息。"),
        ("{place}野猪糟蹋庄稼", "近期野猪频繁下山，{n}组的玉米和红薯损失严重。"),
    ], ["希望给予技术指导和政策支持。", "请帮助协调解决群众的实际困难。"]),
    "welfare": ([
        ("{place}独居老人缺人照料", "{n}组有几位高龄独居老人，子女在外务工，日常生活缺人照料。"),
        ("{place}低保申请迟迟未认定", "群众家庭情况发生变化后申请低保，{m}个月了还没有结果。"),
        ("{place}互助幸福院设施不足", "村互助幸福院床位和取暖设施不足，冬季老人活动不便。"),
        ("{place}残疾人补贴发放不及时", "部分残疾人两项补贴近两个月没有按时到账。"),
    ], ["希望核实情况并给予帮助。", "请关心关注困难群众的生活。"]),
    "safety": ([
        ("{place}房后山体有滑坡隐患", "{n}组几户房屋后山出现裂缝，雨季有滑坡风险，群众很担心。"),
        ("{place}河道防洪堤破损", "河道防洪堤一段约{m}十米破损，汛期前亟需加固。"),
        ("{place}废弃矿洞未封堵", "村后废弃矿洞一直没有封堵，常有小孩在附近玩耍。"),
        ("{place}电线杆倾斜", "路边电线杆严重倾斜，电线下垂离地面很近。"),
    ], ["请尽快组织排查并采取防范措施。", "希望尽早消除安全隐患。"]),
    "housing": ([
        ("{place}危房改造补助未到位", "{n}组几户危房改造已经动工，补助资金至今没有到位。"),
        ("{place}老旧小区屋顶漏水", "小区楼顶防水层老化，顶楼住户每逢下雨屋内漏水。"),
        ("{place}搬迁安置点配套不全", "安置点房屋已入住，但燃气和排水配套一直没有完善。"),
        ("{place}对房屋安全鉴定有异议", "群众对房屋安全等级鉴定结果有异议，希望重新鉴定。"),
    ], ["希望尽快落实。", "请相关部门核实处理。"]),
    "land": ([
        ("{place}宅基地审批进度慢", "群众申请宅基地建房已近半年，审批手续迟迟办不下来。"),
        ("{place}承包地确权面积有误", "{n}组部分农户承包地确权面积与实际不符。"),
        ("{place}征地补偿款未发放", "修路征用{n}组的土地，补偿款至今没有发放到户。"),
        ("{place}宅基地界址纠纷", "两户村民因宅基地界址问题多次发生争执。"),
    ], ["希望依法依规尽快处理。", "请帮助核实并答复群众。"]),
    "environment": ([
        ("{place}养殖场异味扰民", "村附近一家生猪养殖场异味很大，粪污直排沟渠。"),
        ("{place}河道垃圾堆积", "河道两岸垃圾堆积，夏季蚊蝇滋生。"),
        ("{place}石料厂粉尘污染", "石料厂生产时粉尘很大，周边农作物和住户受到影响。"),
        ("{place}生活污水直排", "集镇生活污水没有收集处理，直接排入汉江支流。"),
    ], ["希望加强监管，尽快整改。", "请环保部门现场检查。"]),
    "education": ([
        ("{place}学生上学路途远", "村小撤并后，{n}十多名学生每天要走一个多小时山路上学。"),
        ("{place}幼儿园学位紧张", "片区幼儿园学位不够，不少适龄儿童无法就近入园。"),
        ("{place}学校操场年久失修", "学校操场坑洼不平，学生上体育课容易受伤。"),
        ("{place}留守儿童课后无人照看", "留守儿童多，放学后缺少看护和课业辅导。"),
    ], ["希望教育部门统筹解决。", "请帮助协调。"]),
    "health": ([
        ("{place}卫生室缺少常用药", "村卫生室常用药品经常断供，群众买药要跑到镇上。"),
        ("{place}村医年龄偏大后继无人", "村里只有一名村医，已经六十多岁，后继无人。"),
        ("{place}医保报销手续繁琐", "群众反映异地就医报销需要多次往返，手续繁琐。"),
        ("{place}慢病患者随访不及时", "高血压、糖尿病患者的随访服务不够及时。"),
    ], ["希望改善基层医疗服务。", "请卫健部门关注。"]),
    "employment": ([
        ("{place}村民务工工资被拖欠", "{n}名村民在外地工地务工，工资被拖欠{m}个月。"),
        ("{place}养老保险缴费档次咨询", "群众对城乡居民养老保险缴费档次和待遇计算不清楚。"),
        ("{place}希望开展技能培训", "返乡青年较多，希望就近开展电商和职业技能培训。"),
        ("{place}公益性岗位安排有疑问", "群众对公益性岗位的人员安排有疑问，希望公开。"),
    ], ["希望帮助维护群众合法权益。", "请人社部门给予指导。"]),
    "funding": ([
        ("{place}产业路项目资金缺口", "村里规划的产业路已完成设计，还有约{m}十万元资金缺口。"),
        ("{place}集体经济项目申请扶持", "村集体茶叶加工厂扩建需要资金扶持，申请已提交{m}个月。"),
        ("{place}饮水安全工程需要立项", "{n}组饮水工程需要纳入区级项目库，争取资金支持。"),
        ("{place}文化广场建设资金不足", "村文化广场建设因资金不足已停工{m}个月。"),
    ], ["希望区上统筹安排资金。", "请帮助协调项目立项。"]),
    "neighbourhood": ([
        ("{place}村务公开不及时", "村务公开栏内容长期未更新，群众对集体收支有疑问。"),
        ("{place}邻里排水纠纷", "两户邻居因生活污水排放问题产生矛盾，多次调解未果。"),
        ("{place}红白事大操大办", "群众反映村里红白事攀比之风盛行，负担较重。"),
        ("{place}散养犬只扰民", "村里散养犬只较多，夜间吠叫，还发生过咬人事件。"),
    ], ["希望加强引导和管理。", "请帮助调解。"]),
}
CATEGORY_WEIGHTS = {"roads": 14, "water": 10, "agriculture": 8, "welfare": 9, "safety": 6,
                    "housing": 7, "land": 6, "environment": 7, "education": 6, "health": 6,
                    "employment": 7, "funding": 6, "neighbourhood": 8}
CHANNEL_WEIGHTS = {"visit": 25, "reception": 20, "hotline": 20, "online": 20, "grid": 15}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯邓曹彭曾肖田董潘袁蔡蒋余"
GIVEN = ["秀英", "桂兰", "建国", "志明", "春花", "海燕", "德胜", "玉兰", "文华", "小红", "永福",
         "明亮", "晓燕", "国强", "凤英", "长林", "丽娟", "家乐", "金花", "宏伟", "少军", "云霞"]

ON_SPOT = ["代表现场协调村委会，已当场解决。", "代表现场解释相关政策，群众表示理解。",
           "已当场联系供电所派人处理。"]
STATION_RESOLUTIONS = {
    "village": ["村联络站协调村委会落实，问题已解决。", "经代表走访核实，已协调相关方解决。",
                "联络站组织代表约见相关负责人，已落实整改。"],
    "town": ["镇中心联络站协调镇相关站所，已办结。", "经镇党委政府研究，已安排资金解决。",
             "镇中心联络站组织代表督办，问题已解决。"],
    "district": ["区人大代表之家协调办理，已答复群众。"],
}
ESCALATIONS = {
    "village": [("beyond_authority", "超出村级协调权限，提请镇中心联络站协调。"),
                ("cross_boundary", "涉及相邻村，需镇级统筹。"),
                ("needs_funding", "需要资金投入，村级无力解决。"),
                ("other", "群众多次反映，提请上级关注。")],
    "town": [("needs_funding", "所需资金较大，镇级无法安排，提请区人大代表之家。"),
             ("needs_department", "需区级部门办理。"),
             ("beyond_authority", "超出镇级权限，提请区人大常委会研究。")],
}
MEETING_REPLIES = ["经主任会议研究，已向群众作出政策解释和答复。",
                   "经研究，该事项已纳入区政府年度计划，已答复群众。"]
CITY_NOTES = ["涉及市级事权，提请市人大通过市区联动协调解决。",
              "跨区域事项，提请市人大协调相关区县。"]
CITY_REPLIES = ["市人大已协调市级部门，纳入明年计划解决。", "市区联动协调完成，已落实解决。"]
REFER_NOTES = ["请按期办结并向代表反馈。", "请于一个月内办结，报区人大常委会。"]
PROGRESS_NOTES = ["已安排人员现场核实。", "已制定整改方案，正在推进。", "已协调资金，近期开工。"]
RESULTS = ["已完成整改，并向群众和代表反馈。", "项目已实施完成，群众已验收。",
           "已依法依规处理，并当面答复群众。"]
COOPERATION_NOTES = ["已配合牵头部门完成相关工作。"]
RETURN_REASON = "该事项不属于本部门职责，建议交由{name}办理。"
FEEDBACK = {"satisfied": ["办理及时，非常满意。", "感谢代表和政府，问题解决了。"],
            "basically_satisfied": ["问题基本解决，希望后续跟进。", "基本满意，进度可以再快一些。"],
            "unsatisfied": ["问题没有实质性解决。", "答复不具体，仍然没有落实。"]}
# Lead and cooperating departments a meeting names for a category (instead of the
# default), and the department a returned referral goes to next.
NAMED = {"roads": ("jtj", ["czj"]), "water": ("nlsj", ["czj", "sthjj"]),
         "agriculture": ("nlsj", ["zrzyj"]), "welfare": ("mzj", ["rsj"]),
         "safety": ("yjj", ["zrzyj", "zjj"]), "housing": ("zjj", ["czj"]),
         "land": ("zrzyj", ["nlsj"]), "environment": ("sthjj", ["nlsj"]),
         "education": ("jyj", ["czj"]), "health": ("wjj", ["czj"]),
         "employment": ("rsj", ["jtj", "zjj"]), "funding": ("czj", ["fgj"]),
         "neighbourhood": ("mzj", ["zrzyj"])}
NEXT_DEPARTMENT = {"roads": "zjj", "water": "zjj", "agriculture": "zrzyj", "welfare": "rsj",
                   "safety": "zjj", "housing": "zrzyj", "land": "nlsj", "environment": "nlsj",
                   "education": "fgj", "health": "mzj", "employment": "mzj", "funding": "fgj",
                   "neighbourhood": "zrzyj"}

# How often each fate happens.
P_ON_SPOT = 0.10          # of visits, receptions and grid reports
P_RESOLVE = {"village": 0.45, "town": 0.40}
P_MEETING = (("refer", 0.75), ("city", 0.08), ("reply", 0.17))
P_NAMED = 0.35            # of referrals, naming lead and cooperating departments
P_CITY_REPLY = 0.5
P_RETURN = 0.12
P_FEEDBACK = 0.85
P_RATING = (("satisfied", 0.60), ("basically_satisfied", 0.28), ("unsatisfied", 0.12))


# ---------------------------------------------------------------------------------
class DemoError(click.ClickException):
    pass


class Stuck(DemoError):
    pass


class Keys:
    """The API keys of the sample directory, by role (config key API_KEYS_FILE)."""

    def __init__(self, config):
        entries = read_yaml(config["API_KEYS_FILE"])["keys"]
        self.district = next(str(e["key"]) for e in entries if e["role"] == "district")
        self.stations = {e["id"]: str(e["key"]) for e in entries if e["role"] == "station"}
        self.departments = {e["id"]: str(e["key"]) for e in entries if e["role"] == "department"}

    def station(self, station_id):
        try:
            return self.stations[station_id]
        except KeyError:
            raise DemoError(f"no API key for station {station_id} in the keys file") from None

    def department(self, code):
        try:
            return self.departments[code]
        except KeyError:
            raise DemoError(f"no API key for department {code} in the keys file") from None


class Api:
    """JSON over HTTP to the four services; one requests.Session per thread."""

    def __init__(self, config, pool=WORKERS):
        self.urls = {name: configuration.base_url(config, name) for name in configuration.SERVICES}
        self.pool = pool
        self._local = threading.local()

    @property
    def session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.pool)
            session.mount("http://", adapter)
            session.headers["Accept"] = "application/json"
        return session

    def request(self, method, service, path, key=None, expect=(200,), params=None, json=None):
        """The decoded JSON answer, or ``DemoError`` naming the request and the answer."""
        response = self.raw(method, service, path, key=key, params=params, json=json)
        if response.status_code not in expect:
            raise DemoError(f"{method} {self.urls[service]}{path} answered "
                            f"{response.status_code}: {response.text[:500]}")
        return response.json()

    def raw(self, method, service, path, key=None, params=None, json=None):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        try:
            return self.session.request(method, self.urls[service] + path, params=params,
                                        json=json, headers=headers, timeout=HTTP_TIMEOUT)
        except requests.RequestException as exc:
            raise DemoError(f"{method} {self.urls[service]}{path} failed: "
                            f"{type(exc).__name__}: {exc}") from None

    def get(self, service, path, **kwargs):
        return self.request("GET", service, path, **kwargs)

    def post(self, service, path, body=None, expect=(200, 201), **kwargs):
        return self.request("POST", service, path, json=body or {}, expect=expect, **kwargs)


def require_services(config, api=None):
    """Exit non-zero, naming each service whose /health does not answer."""
    api = api or Api(config)
    down = []
    for name in configuration.SERVICES:
        url = api.urls[name] + "/health"
        try:
            response = api.session.get(url, timeout=3)
            if response.status_code != 200:
                down.append(f"{name} at {url} answered {response.status_code}")
        except requests.RequestException as exc:
            down.append(f"{name} does not answer at {url} ({type(exc).__name__})")
    if down:
        raise DemoError("the system is not running:\n  " + "\n  ".join(down) +
                        "\n`make run` (or `lianxin run`) starts it.")
    return api


def wait_for(what, probe, timeout=STEP_TIMEOUT):
    """Poll ``probe()`` until it returns something other than None, or fail after ``timeout``.

    ``probe`` may return ``(None, last_seen)`` to say what it saw, for the error message.
    """
    deadline = time.monotonic() + timeout
    delay = 0.02
    last = None
    while True:
        result = probe()
        if isinstance(result, tuple) and len(result) == 2 and result[0] is None:
            last = result[1]
        elif result is not None:
            return result
        if time.monotonic() >= deadline:
            raise Stuck(f"gave up after {timeout:.0f}s waiting for {what}"
                        + (f"; last seen: {last}" if last is not None else ""))
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def month_now(config):
    return datetime.now(ZoneInfo(config.get("TIMEZONE", "Asia/Shanghai")))


# ---------------------------------------------------------------------------------
@dataclass
class Item:
    """One issue the demo follows, with its own random stream for every later choice."""
    index: int
    rng: random.Random
    submission: dict
    id: str = None
    tracking_no: str = None
    category: str = None
    status: str = None
    tier: str = None
    station_id: str = None
    department: str = None
    first_lead: str = None
    path: list = field(default_factory=list)


class Month:
    """The state of one demo run: the directory, the API, the issues, the counts."""

    def __init__(self, config, api, keys, seed, console):
        self.config, self.api, self.keys, self.seed = config, api, keys, seed
        self.console = console
        self.directory = read_yaml(config["DIRECTORY_FILE"])
        self.stations = {s["id"]: s for s in api.get("routing", "/stations")}
        self.district = next(s["id"] for s in self.stations.values() if s["tier"] == "district")
        self.departments = {d["code"]: d["name"] for d in api.get("departments", "/departments")}
        self.categories = {c["code"]: c["name"] for c in self.directory.get("categories", [])}
        self.items = {}
        self.counts = Counter()
        self._lock = threading.Lock()

    def count(self, *keys):
        with self._lock:
            self.counts.update(keys)

    # -- routing views --------------------------------------------------------
    def route(self, issue_id):
        """Routing's view of the issue, or None before routing has placed it."""
        response = self.api.raw("GET", "routing", f"/issues/{issue_id}/route",
                                key=self.keys.district)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise DemoError(f"GET /issues/{issue_id}/route answered {response.status_code}: "
                            f"{response.text[:300]}")
        return response.json()["issue"]

    def wait_route(self, item, what, accept):
        def probe():
            issue = self.route(item.id)
            return issue if issue is not None and accept(issue) else (None, _brief(issue))
        issue = wait_for(f"{what} of {item.tracking_no or item.id}", probe)
        item.status, item.tier = issue["status"], issue["tier"]
        item.station_id, item.department = issue["station_id"], issue["department"]
        return issue

    # -- 1. voters and stations ------------------------------------------------
    def plan(self, index, rng):
        d = self.directory
        villages = [(str(v["code"]), v["name"]) for t in d["towns"] for v in t.get("villages", [])]
        town_of = {str(v["code"]): str(t["code"])
                   for t in d["towns"] for v in t.get("villages", [])}
        channel = _weighted(rng, CHANNEL_WEIGHTS)
        category = _weighted(rng, CATEGORY_WEIGHTS)
        body = {"channel": channel, "category": category}
        if channel == "grid":
            grid = rng.choice(d["grids"])
            village = next(v for v in villages if v[0] == str(grid["village"]))
            body["grid_id"] = grid["id"]
        else:
            village = rng.choice(villages)
        code, place = village
        if channel == "visit":
            reps = [r["id"] for r in d["representatives"] if code.startswith(str(r["place"]))]
            body["representative_id"] = rng.choice(reps)
        if channel == "reception":
            where = rng.random()
            place_code = (code if where < 0.75 else town_of[code] if where < 0.95
                          else str(d["district"]["code"]))
            body["station_id"] = f"st-{place_code}"
        if channel in ("visit", "reception", "grid") and rng.random() < P_ON_SPOT:
            body["resolution"] = rng.choice(ON_SPOT)
        pairs, asks = PHRASES.get(category, PHRASES["neighbourhood"])
        title, detail = rng.choice(pairs)
        numbers = {"place": place, "n": rng.randint(1, 9), "m": rng.randint(2, 9)}
        body.update(title=title.format(**numbers),
                    description=detail.format(**numbers) + rng.choice(asks),
                    village_code=code,
                    voter={"name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                           "phone": "139" + "".join(str(rng.randint(0, 9)) for _ in range(8))})
        return body

    def take_in(self, item):
        """Submit one issue, wait for routing to place it, then let its stations act."""
        body = item.submission
        out = self.api.post("intake", "/issues", body, expect=(201,))
        item.id, item.tracking_no, item.category = out["id"], out["tracking_no"], body["category"]
        self.count(f"channel:{body['channel']}")
        version = 2 if body.get("resolution") else 1
        issue = self.wait_route(item, "routing to place it", lambda i: i["version"] >= version)
        if body.get("resolution"):
            self.count("on_spot")
            item.path.append("on the spot")
        while issue["status"] == "open" and issue["tier"] in P_RESOLVE:
            tier, station = issue["tier"], issue["station_id"]
            key = self.keys.station(station)
            if item.rng.random() < P_RESOLVE[tier]:
                issue = self.api.post("routing", f"/issues/{item.id}/resolve",
                                      {"resolution": item.rng.choice(STATION_RESOLUTIONS[tier])},
                                      key=key)
                self.count(f"resolved:{tier}")
            else:
                reason, note = item.rng.choice(ESCALATIONS[tier])
                issue = self.api.post("routing", f"/issues/{item.id}/escalate",
                                      {"reason": reason, "note": note}, key=key)
                self.count(f"escalated:{tier}")
            outcome = "resolved" if issue["status"] == "handled" else "escalated"
            item.path.append(f"{tier}:{outcome}")
            item.status, item.tier = issue["status"], issue["tier"]
            item.station_id = issue["station_id"]
        return item

    # -- 2. the month-end meeting ----------------------------------------------
    def meeting(self, decisions):
        """Post one meeting (in chunks of 1000 decisions); the applied decisions."""
        applied = []
        held_on = month_now(self.config).date().isoformat()
        for start in range(0, len(decisions), 1000):
            out = self.api.post("routing", "/meetings",
                                {"held_on": held_on, "decisions": decisions[start:start + 1000]},
                                key=self.keys.district, expect=(201,))
            applied.extend(out["decisions"])
        return applied

    def decide(self, item):
        """One month-end decision for an issue open at the district."""
        roll, total = item.rng.random(), 0.0
        action = "reply"
        for name, share in P_MEETING:
            total += share
            if roll < total:
                action = name
                break
        decision = {"issue_id": item.id, "action": action}
        if action == "refer":
            decision["note"] = item.rng.choice(REFER_NOTES)
            if item.rng.random() < P_NAMED and item.category in NAMED:
                lead, cooperating = NAMED[item.category]
                decision["department"] = lead
                decision["cooperating"] = [c for c in cooperating if c != lead]
        elif action == "city":
            decision["note"] = item.rng.choice(CITY_NOTES)
        else:
            decision["note"] = item.rng.choice(MEETING_REPLIES)
        return decision

    def after_meeting(self, item, decision, allow_return=True):
        """What follows a decision: the city's reply, or the departments' work."""
        action = decision["action"]
        self.count(f"meeting:{action}" if allow_return else f"second:{action}")
        if action == "reply":
            item.status = "handled"
            item.path.append("meeting:reply")
        elif action == "city":
            item.status = "forwarded"
            item.path.append("meeting:city")
            if item.rng.random() < P_CITY_REPLY:
                issue = self.api.post("routing", f"/issues/{item.id}/city-reply",
                                      {"reply": item.rng.choice(CITY_REPLIES)},
                                      key=self.keys.district)
                item.status = issue["status"]
                item.path.append("city:reply")
                self.count("city_reply")
        else:
            self.work_referral(item, decision["department"], decision.get("cooperating") or [],
                               allow_return)
        return item

    # -- 3. departments ----------------------------------------------------------
    def assignment(self, item, department, lead):
        key = self.keys.department(department)

        def probe():
            rows = self.api.get("departments", "/assignments", key=key,
                                params={"issue_id": item.id, "status": "assigned"})
            rows = [r for r in rows if r["lead"] == lead]
            return rows[-1] if rows else None
        role = "lead" if lead else "cooperating"
        return wait_for(f"the {role} assignment of {item.tracking_no} at {department}", probe)

    def work_referral(self, item, lead, cooperating, allow_return):
        item.path.append(f"referred:{lead}")
        item.first_lead = item.first_lead or lead
        main = self.assignment(item, lead, True)
        helpers = [(code, self.assignment(item, code, False)) for code in cooperating]
        lead_key = self.keys.department(lead)
        self.api.post("departments", f"/assignments/{main['id']}/accept", {}, key=lead_key)
        for code, helper in helpers:
            self.api.post("departments", f"/assignments/{helper['id']}/accept", {},
                          key=self.keys.department(code))
        if allow_return and item.rng.random() < P_RETURN:
            name = self.departments.get(self.next_department(item), "其他部门")
            self.api.post("departments", f"/assignments/{main['id']}/return",
                          {"reason": RETURN_REASON.format(name=name)}, key=lead_key)
            self.count("returned")
            item.path.append(f"returned:{lead}")
            self.wait_route(item, "the returned referral to reopen at the district",
                            lambda i: i["status"] == "open" and i["department"] is None)
            return item
        for note in item.rng.sample(PROGRESS_NOTES, item.rng.randint(1, 2)):
            self.api.post("departments", f"/assignments/{main['id']}/progress", {"note": note},
                          key=lead_key)
        self.api.post("departments", f"/assignments/{main['id']}/complete",
                      {"result": item.rng.choice(RESULTS)}, key=lead_key)
        for code, helper in helpers:
            self.api.post("departments", f"/assignments/{helper['id']}/complete",
                          {"result": COOPERATION_NOTES[0]}, key=self.keys.department(code))
        self.count("completed" if allow_return else "completed:second")
        self.wait_route(item, "the completed assignment to handle the issue",
                        lambda i: i["status"] == "handled")
        item.path.append(f"completed:{lead}")
        return item

    def next_department(self, item):
        candidate = NEXT_DEPARTMENT.get(item.category, "fgj")
        if candidate == item.first_lead:
            candidate = next(c for c in sorted(self.departments) if c != item.first_lead)
        return candidate

    # -- 4. voters' feedback ------------------------------------------------------
    def feedback(self, item, rating):
        def handled_in_intake():
            view = self.api.get("intake", f"/issues/{item.id}")
            return view if view["status"] == "handled" else (None, view["status"])
        wait_for(f"intake to show {item.tracking_no} handled", handled_in_intake)
        self.api.post("intake", f"/issues/{item.id}/feedback",
                      {"rating": rating, "comment": item.rng.choice(FEEDBACK[rating])})
        self.count(f"feedback:{rating}")
        target = "open" if rating == "unsatisfied" else "closed"
        self.wait_route(item, f"the {rating} feedback to leave the issue {target}",
                        lambda i: i["status"] == target)
        item.path.append(f"feedback:{rating}")
        return item


def _weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _brief(issue):
    if issue is None:
        return "not yet known to routing"
    return (f"status={issue['status']} tier={issue['tier']} station={issue['station_id']} "
            f"department={issue['department']} version={issue['version']}")


def run_all(progress, label, fn, jobs, pool):
    """Run ``fn(*job)`` for every job on the pool with a progress bar; stop at the first error."""
    task = progress.add_task(label, total=len(jobs))
    futures = [pool.submit(fn, *job) for job in jobs]
    results = []
    try:
        for future in as_completed(futures):
            results.append(future.result())
            progress.advance(task)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return results


# ---------------------------------------------------------------------------------
@click.command()
@click.option("--issues", default=300, show_default=True, type=click.IntRange(1, 5000),
              help="How many issues voters raise this month.")
@click.option("--seed", default=2026, show_default=True, type=int,
              help="Seed of every random choice, for a repeatable month.")
@click.pass_obj
def demo(config, issues, seed):
    """Feed a plausible month of the sample district through the running system,
    then print the month's classified ledger."""
    console = Console()
    api = require_services(config)
    keys = Keys(config)
    month = Month(config, api, keys, seed, console)
    started = time.monotonic()
    items = []
    for index in range(issues):
        rng = random.Random(f"{seed}-{index}")
        items.append(Item(index, rng, month.plan(index, rng)))

    columns = (SpinnerColumn(), TextColumn("{task.description:<34}"), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress, \
            ThreadPoolExecutor(WORKERS, thread_name_prefix="demo") as pool:
        run_all(progress, "voters raise issues; stations act", month.take_in,
                [(item,) for item in items], pool)
        for item in items:
            month.items[item.id] = item

        # Every issue open at the district, ours and any left from before.
        waiting = month.api.get("routing", f"/stations/{month.district}/issues",
                                key=keys.district, params={"status": "open"})
        agenda = []
        for row in waiting:
            item = month.items.get(row["id"])
            if item is None:
                item = Item(-1, random.Random(f"{seed}-{row['id']}"), {}, id=row["id"],
                            tracking_no=row["tracking_no"], category=row["category"],
                            status=row["status"], tier=row["tier"])
                month.items[item.id] = item
            agenda.append(item)
        meeting_task = progress.add_task("month-end meeting", total=1)
        decisions = {d["issue_id"]: d for d in
                     month.meeting([month.decide(item) for item in agenda])} if agenda else {}
        progress.advance(meeting_task)
        done = run_all(progress, "departments, city and replies", month.after_meeting,
                       [(month.items[i], d) for i, d in decisions.items()], pool)

        returned = [item for item in done if item.status == "open" and item.tier == "district"]
        if returned:
            second = [{"issue_id": item.id, "action": "refer",
                       "department": month.next_department(item),
                       "note": "原承办部门退回，经主任会议研究改由本部门承办。"} for item in returned]
            second_task = progress.add_task("second meeting (returned items)", total=1)
            again = month.meeting(second)
            progress.advance(second_task)
            run_all(progress, "new departments complete", month.after_meeting,
                    [(month.items[d["issue_id"]], d, False) for d in again], pool)

        handled = sorted((i for i in month.items.values() if i.status == "handled"),
                         key=lambda i: i.tracking_no)
        chooser = random.Random(f"{seed}-feedback")
        rated = [i for i in handled if chooser.random() < P_FEEDBACK]
        ratings = [chooser.choices([r for r, _ in P_RATING], [p for _, p in P_RATING])[0]
                   for _ in rated]
        for position, rating in enumerate([r for r, _ in P_RATING][:len(rated)]):
            ratings[position] = rating           # every kind at least once
        run_all(progress, "voters give feedback", month.feedback,
                list(zip(rated, ratings)), pool)

    elapsed = time.monotonic() - started
    print_run(console, month, issues, elapsed)
    when = month_now(config)
    ledger = api.get("routing", "/ledger", key=keys.district,
                     params={"month": when.strftime("%Y-%m")})
    print_ledger(console, month, ledger)


# ---------------------------------------------------------------------------------
def print_run(console, month, issues, elapsed):
    c = month.counts
    channels = "  ".join(f"{name} {c[f'channel:{name}']}" for name in CHANNEL_WEIGHTS)
    lines = [
        f"[bold]This run[/]: {issues} issues in {elapsed:.1f}s (seed {month.seed})",
        f"  channels: {channels}",
        f"  solved on the spot {c['on_spot']};  village stations resolved {c['resolved:village']}, "
        f"escalated {c['escalated:village']};  towns resolved {c['resolved:town']}, "
        f"escalated {c['escalated:town']}",
        f"  month-end meeting: referred {c['meeting:refer']} (completed {c['completed']}, "
        f"returned {c['returned']}), to the city {c['meeting:city']} (city replied "
        f"{c['city_reply']}), answered {c['meeting:reply']}",
        f"  second meeting: referred {c['second:refer']} returned items to other departments "
        f"(completed {c['completed:second']})",
        f"  feedback: satisfied {c['feedback:satisfied']}, basically satisfied "
        f"{c['feedback:basically_satisfied']}, unsatisfied {c['feedback:unsatisfied']} (reopened)",
    ]
    for line in lines:
        console.print(line)


def _table(title, rows, names=None, label="code"):
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    table.add_column(label)
    if names is not None:
        table.add_column("name")
    table.add_column("issues", justify="right")
    total = sum(rows.values()) or 1
    table.add_column("%", justify="right")
    for key, value in sorted(rows.items(), key=lambda kv: (-kv[1], kv[0])):
        cells = [key] + ([names.get(key, "")] if names is not None else [])
        table.add_row(*cells, str(value), f"{100 * value / total:.0f}")
    return table


def print_ledger(console, month, ledger):
    summary = ledger["summary"]
    console.print()
    console.rule(f"[bold]汉滨区 classified ledger {ledger['month']}[/]: {summary['total']} items")
    departments = {"-": "(none)", **month.departments}
    stations = {sid: s["name"] for sid, s in month.stations.items()}
    console.print(Columns([_table("by tier", summary["by_tier"], TIER_NAMES),
                           _table("by status", summary["by_status"], STATUS_NAMES)],
                          padding=(0, 4)))
    console.print(_table("by station", summary["by_station"], stations, label="station"))
    console.print(Columns([_table("by category", summary["by_category"], month.categories),
                           _table("by department", summary["by_department"], departments)],
                          padding=(0, 4)))
