"""What the demo month is made of: Chinese phrases, names, and how often each thing happens."""

TIER_NAMES = {"village": "村级联络站", "town": "镇级中心联络站", "district": "区人大代表之家",
              "city": "市人大"}
STATUS_NAMES = {"open": "办理中", "referred": "已交办部门", "forwarded": "已提请市级",
                "handled": "已办结待评价", "closed": "已销号"}

# ---------------------------------------------------------------------------------
# What voters say: per category, (title, detail) pairs and what they ask for.
# ``{place}`` is the village's name; ``{n}`` and ``{m}`` are small numbers.
PHRASES = {
    "roads": ([
        ("{place}通组路路面坑洼",
         "{place}通往{n}组的道路约{m}百米路面破损，雨天积水严重，车辆难以通行。"),
        ("{place}村口便民桥护栏损坏",
         "村口便民桥护栏锈断，学生每天上下学都从桥上经过，存在安全隐患。"),
        ("{place}主干道缺少路灯",
         "村主干道没有路灯，老人和学生晚上出行很不方便，去年冬天还有人摔伤。"),
        ("{place}村道雨后塌方", "连续降雨后村道一侧塌方约{m}十米，车辆只能单向通行。"),
        ("{place}到镇上的班车太少", "每天只有两班车去镇上，群众看病、赶集很不方便。"),
    ], ["希望尽快修复，并设置警示标志。", "请有关部门实地查看，纳入维修计划。"]),
    "water": ([
        ("{place}自来水经常停水",
         "{place}{n}组近一个月自来水隔三岔五停水，用水高峰时段基本没有水。"),
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
P_LEFT_ALONE = 0.08       # of issues at a village station, left there until time escalates them
P_SLOW = 0.12             # of referrals, not accepted until time reminds and supervises
P_FEEDBACK = 0.85
P_RATING = (("satisfied", 0.60), ("basically_satisfied", 0.28), ("unsatisfied", 0.12))

# The month's end: why the meeting decides an issue not on the frozen agenda, and who
# signs for each department at the 面对面 hearing and what it undertakes.
OFF_AGENDA_REASONS = ["台账冻结后提请至区人大代表之家，群众诉求紧迫，经主任会议同意列入本次会议。",
                      "冻结后新增事项，事关群众切身利益，主任会议同意临时增列研究。"]
HEARING_TITLES = ["分管副局长", "办公室主任", "副局长"]
HEARING_UNDERTAKINGS = ["当面认领交办事项{n}件，按期办结，逐件向代表和群众反馈。",
                        "对交办的{n}件事项逐项制定办理方案，限期办结，按月报告进度。"]
