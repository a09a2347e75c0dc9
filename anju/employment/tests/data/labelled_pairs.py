"""The labelled set of job matching: worker descriptions and job postings, judged 0–2.

Built from the occupations of the source documents (Shishi's garment, shoe and stone trades; the
public welfare posts of the Shanxi and Quanzhou measures: care of the elderly and of left-behind
children, security patrols, rural road upkeep, forest protection, cleaning and greening, rural
mutual-aid homes, village employment and social-security assistants, school traffic wardens; the
odd jobs of building sites, logistics and services) and the everyday names workers use.

Postings are written as employers write them: often without the catalogue's name (钢结构焊接,
小区门岗). Workers are written as a ledger records them: desired occupation (often slang) and
skills. Relevance: 2 — the posting is the occupation the worker asks for; 1 — a neighbouring
trade they could do (RELATED); 0 — anything else. Every worker × posting pair is judged, so the
set holds len(WORKERS) × len(POSTINGS) pairs.
"""

from __future__ import annotations

# (key, occupation key, title, description)
POSTINGS = [
    ("p-weld-1", "welder", "钢结构车间焊接师傅", "钢结构厂房焊接，会二保焊优先，计件"),
    ("p-weld-2", "welder", "招氩弧焊工2名", "不锈钢门窗焊接，包吃住"),
    ("p-weld-3", "welder", "船厂焊接工", "船体分段焊接，持证上岗"),
    ("p-build-1", "construction-worker", "工地小工若干", "搬运砖块、水泥，日结"),
    ("p-build-2", "construction-worker", "砌墙师傅", "自建房砌筑，红砖墙体"),
    ("p-build-3", "construction-worker", "建筑杂工", "工地清理、搬运材料，包午餐"),
    ("p-guard-1", "security-guard", "小区门岗", "小区出入口值守，登记来访车辆，上一休一"),
    ("p-guard-2", "security-guard", "工厂夜班门卫", "夜间值守厂区大门，巡查"),
    ("p-guard-3", "security-guard", "村级治安巡逻队员", "公益性岗位，负责村内治安巡逻、防火防盗"),
    ("p-loader-1", "loader-driver", "石料场装载机司机", "铲装石料上车，有证优先"),
    ("p-loader-2", "loader-driver", "铲车师傅", "砂场铲车作业，长期"),
    ("p-dig-1", "excavator-driver", "挖机师傅", "土方工程，熟练操作钩机"),
    ("p-fork-1", "forklift-driver", "仓库叉车工", "电动叉车装卸货物，需叉车证"),
    ("p-fork-2", "forklift-driver", "物流园叉车司机", "托盘上下架，两班倒"),
    ("p-clean-1", "cleaner", "写字楼保洁阿姨", "楼层打扫卫生，做六休一"),
    ("p-clean-2", "cleaner", "村庄保洁公益性岗位", "负责村道及公共场所卫生保洁"),
    ("p-sweep-1", "sanitation-worker", "环卫工人", "街道清扫、垃圾收集清运"),
    ("p-elec-1", "electrician", "厂区维修电工", "厂区电路、设备电气维修，持电工证"),
    ("p-elec-2", "electrician", "装修水电师傅", "住宅装修水电安装"),
    ("p-carp-1", "carpenter", "模板工", "高层住宅支模，按方计价"),
    ("p-steel-1", "steel-fixer", "绑钢筋师傅", "现场钢筋绑扎"),
    ("p-paint-1", "painter", "家具厂喷漆工", "木器喷漆，有经验者优先"),
    ("p-sew-1", "sewing-worker", "服装厂车位", "平车、高车，熟手计件，石狮宝盖"),
    ("p-sew-2", "sewing-worker", "童装车缝熟手", "童装缝制，包住"),
    ("p-sew-3", "sewing-worker", "制衣厂平车工", "休闲裤车缝，长白班"),
    ("p-cut-1", "garment-cutter", "服装厂裁床师傅", "电剪开裁、拉布"),
    ("p-iron-1", "garment-presser", "大烫师傅", "成衣整烫，计件"),
    ("p-trim-1", "garment-finisher", "剪线头杂工", "成衣后道剪线头、钉扣，可带小孩"),
    ("p-shoe-1", "shoe-worker", "鞋厂成型工", "运动鞋成型车间，流水线"),
    ("p-shoe-2", "shoe-worker", "制鞋厂普工", "鞋底贴合、刷胶"),
    ("p-shoeup-1", "shoe-upper-stitcher", "鞋面针车工", "鞋面缝制，熟手优先"),
    ("p-inj-1", "injection-moulder", "鞋底注塑操作工", "注塑机看机、修边"),
    ("p-stone-1", "stone-worker", "石材厂磨光工", "花岗岩板材磨光、切割"),
    ("p-stone-2", "stone-worker", "石板加工师傅", "水刀切割石材，计件"),
    ("p-carve-1", "stone-carver", "石雕师傅", "惠安石雕，人物、动物雕刻"),
    ("p-asm-1", "assembler", "电子厂流水线普工", "组装小家电，坐班"),
    ("p-asm-2", "assembler", "汽配厂操作工", "零件装配，两班倒"),
    ("p-pack-1", "packer", "打包工", "电商仓库打包发货"),
    ("p-ware-1", "warehouse-keeper", "仓管员", "出入库登记，会电脑"),
    ("p-porter-1", "porter", "物流点卸货", "货车卸货，按车结算"),
    ("p-porter-2", "porter", "码头装卸工", "散货装卸，日结"),
    ("p-courier-1", "courier", "快递派件员", "片区派件，多劳多得"),
    ("p-deliver-1", "food-delivery", "外卖骑手", "美团众包，时间自由"),
    ("p-truck-1", "truck-driver", "货车司机（B2）", "市内配送，熟悉路线"),
    ("p-drive-1", "driver", "公司小车司机", "接送领导，C1驾照"),
    ("p-cook-1", "cook", "饭店厨师", "炒锅，会做闽南菜"),
    ("p-cook-2", "cook", "工厂食堂大厨", "三百人食堂掌勺"),
    ("p-kitchen-1", "kitchen-helper", "后厨帮厨", "洗菜切配，洗碗"),
    ("p-wait-1", "waiter", "餐厅传菜服务员", "传菜、收台"),
    ("p-house-1", "domestic-helper", "住家保姆", "照顾家庭起居，做饭搞卫生"),
    ("p-elder-1", "elderly-carer", "养老院护工", "照料失能老人生活起居"),
    ("p-elder-2", "elderly-carer", "农村互助幸福院服务员", "公益性岗位：为幸福院老人做饭、照看"),
    ("p-elder-3", "elderly-carer", "居家养老上门服务", "上门照顾独居老人"),
    ("p-child-1", "left-behind-child-carer", "留守儿童关爱服务岗", "公益性岗位：儿童之家照看留守儿童、课后看护"),
    ("p-baby-1", "childcare-worker", "月嫂", "新生儿护理、产妇照料"),
    ("p-green-1", "gardener", "园林绿化养护工", "道路绿化带修剪、浇水"),
    ("p-green-2", "gardener", "村庄绿化公益性岗位", "村内绿化种植与养护"),
    ("p-farm-1", "farm-worker", "果园采摘工", "摘苹果，按天结算"),
    ("p-farm-2", "farm-worker", "茶园帮工", "采茶、除草"),
    ("p-forest-1", "forest-ranger", "生态护林员", "公益性岗位：巡山护林、森林防火"),
    ("p-forest-2", "forest-ranger", "林场巡护员", "林区日常巡查，看护林木"),
    ("p-road-1", "road-maintenance", "农村公路养护员", "公益性岗位：乡村道路日常养护、清扫路面"),
    ("p-road-2", "road-maintenance", "道路养护工", "县道路面修补"),
    ("p-labour-1", "labour-assistant", "村就业社保协理员", "公益性岗位：协助办理就业登记、社保参保"),
    ("p-grid-1", "community-assistant", "社区网格员", "入户走访、信息采集"),
    ("p-traffic-1", "traffic-warden", "护学岗交通协管", "上下学时段学校门口疏导交通"),
    ("p-traffic-2", "traffic-warden", "路口交通协管员", "协助交警维护路口秩序"),
    ("p-sales-1", "sales", "服装店导购", "门店销售，有提成"),
    ("p-cash-1", "cashier", "超市收银员", "收银、理货"),
    ("p-live-1", "live-streamer", "服装直播带货主播", "抖音直播卖童装"),
    ("p-cs-1", "customer-service", "网店客服", "淘宝客服，在线回复"),
    ("p-crane-1", "crane-operator", "塔吊司机", "持证，高层建筑工地"),
    ("p-scaff-1", "scaffolder", "架子工", "外脚手架搭设"),
    ("p-tile-1", "tile-setter", "贴砖师傅", "住宅瓷砖铺贴"),
    ("p-plumb-1", "plumber", "水暖工", "小区管道维修"),
    ("p-mech-1", "mechanic", "汽修学徒", "汽车保养维修"),
    ("p-fish-1", "fisher", "养殖场工人", "鲍鱼养殖，包吃住"),
    ("p-pig-1", "livestock-farmer", "养猪场饲养员", "喂料、清粪，包吃住"),
    ("p-tractor-1", "agri-machine-operator", "农机手", "收割机驾驶，麦收季节"),
    ("p-food-1", "food-processor", "水产加工厂普工", "剥虾、分拣"),
    ("p-weave-1", "weaver", "纺织厂挡车工", "织布机看台"),
    ("p-qc-1", "quality-inspector", "服装厂查货员", "成品质检"),
]

# (key, desired occupation as the ledger records it, skills, occupation keys judged 2)
WORKERS = [
    ("w-shaohan", "烧焊", "", ["welder"]),
    ("w-dianhan", "电焊", "会二保焊", ["welder"]),
    ("w-banzhuan", "搬砖", "", ["construction-worker"]),
    ("w-xiaogong", "工地小工", "力气大", ["construction-worker"]),
    ("w-kandamen", "看大门", "", ["security-guard"]),
    ("w-baoan", "保安", "退伍军人", ["security-guard"]),
    ("w-chanche", "开铲车", "", ["loader-driver"]),
    ("w-wajueji", "开挖机", "", ["excavator-driver"]),
    ("w-chache", "开叉车", "有叉车证", ["forklift-driver"]),
    ("w-baojie", "打扫卫生", "", ["cleaner", "sanitation-worker"]),
    ("w-huanwei", "环卫", "", ["sanitation-worker", "cleaner"]),
    ("w-diangong", "水电工", "", ["electrician"]),
    ("w-mujiang", "木匠", "支模", ["carpenter"]),
    ("w-gangjin", "扎钢筋", "", ["steel-fixer"]),
    ("w-chewei", "车位", "平车熟练", ["sewing-worker"]),
    ("w-fengren", "踩缝纫机", "", ["sewing-worker"]),
    ("w-caichuang", "裁床", "", ["garment-cutter"]),
    ("w-tangyi", "烫衣服", "整烫", ["garment-presser"]),
    ("w-xiechang", "鞋厂工人", "", ["shoe-worker"]),
    ("w-zhenche", "针车", "鞋面", ["shoe-upper-stitcher"]),
    ("w-shicai", "石材", "磨石", ["stone-worker"]),
    ("w-shidiao", "石雕", "", ["stone-carver"]),
    ("w-pugong", "普工", "", ["assembler"]),
    ("w-dabao", "打包", "", ["packer"]),
    ("w-banyun", "搬运", "卸货", ["porter"]),
    ("w-kuaidi", "送快递", "", ["courier"]),
    ("w-waimai", "送外卖", "有电动车", ["food-delivery"]),
    ("w-huoche", "开货车", "B2驾照", ["truck-driver"]),
    ("w-chushi", "厨师", "炒菜", ["cook"]),
    ("w-bangchu", "帮厨", "洗碗", ["kitchen-helper"]),
    ("w-baomu", "保姆", "做饭", ["domestic-helper"]),
    ("w-hugong", "照顾老人", "", ["elderly-carer"]),
    ("w-liushou", "照看留守儿童", "", ["left-behind-child-carer"]),
    ("w-yuesao", "月嫂", "", ["childcare-worker"]),
    ("w-lvhua", "种树", "绿化养护", ["gardener"]),
    ("w-hulin", "巡山", "", ["forest-ranger"]),
    ("w-xiulu", "修路", "", ["road-maintenance"]),
    ("w-xieliyuan", "就业社保协理员", "会电脑", ["labour-assistant"]),
    ("w-huxue", "护学岗", "", ["traffic-warden"]),
    ("w-zhibo", "直播带货", "", ["live-streamer"]),
    ("w-tadiao", "开吊车", "", ["crane-operator"]),
    ("w-tiezhuan", "贴瓷砖", "", ["tile-setter"]),
    ("w-yangzhu", "养猪", "", ["livestock-farmer"]),
    ("w-zhaiguo", "摘果", "农活", ["farm-worker"]),
    ("w-shouyin", "超市收银", "", ["cashier"]),
]

# Neighbouring trades (judged 1): symmetric.
RELATED = [
    ("welder", "steel-fixer"), ("construction-worker", "porter"), ("construction-worker", "steel-fixer"),
    ("construction-worker", "scaffolder"), ("construction-worker", "tile-setter"), ("loader-driver", "excavator-driver"),
    ("loader-driver", "forklift-driver"), ("forklift-driver", "warehouse-keeper"), ("cleaner", "sanitation-worker"),
    ("cleaner", "domestic-helper"), ("electrician", "plumber"), ("carpenter", "steel-fixer"),
    ("sewing-worker", "garment-finisher"), ("sewing-worker", "shoe-upper-stitcher"), ("garment-cutter", "sewing-worker"),
    ("garment-presser", "garment-finisher"), ("shoe-worker", "shoe-upper-stitcher"), ("shoe-worker", "injection-moulder"),
    ("stone-worker", "stone-carver"), ("assembler", "packer"), ("packer", "porter"), ("porter", "courier"),
    ("courier", "food-delivery"), ("truck-driver", "driver"), ("cook", "kitchen-helper"), ("kitchen-helper", "waiter"),
    ("domestic-helper", "elderly-carer"), ("elderly-carer", "left-behind-child-carer"),
    ("childcare-worker", "domestic-helper"), ("gardener", "farm-worker"), ("forest-ranger", "gardener"),
    ("road-maintenance", "sanitation-worker"), ("labour-assistant", "community-assistant"),
    ("traffic-warden", "security-guard"), ("live-streamer", "sales"), ("crane-operator", "loader-driver"),
    ("tile-setter", "plasterer"), ("livestock-farmer", "fisher"), ("farm-worker", "agri-machine-operator"),
    ("cashier", "sales"),
]

# Everyday words that must find their occupation first.
SLANG = {"烧焊": "welder", "搬砖": "construction-worker", "看大门": "security-guard", "开铲车": "loader-driver",
         "开挖机": "excavator-driver", "车位": "sewing-worker", "针车": "shoe-upper-stitcher", "巡山": "forest-ranger",
         "护学岗": "traffic-warden", "照看留守儿童": "left-behind-child-carer", "环卫": "sanitation-worker"}


def related() -> set[tuple[str, str]]:
    return {(a, b) for a, b in RELATED} | {(b, a) for a, b in RELATED}


def relevance(worker: tuple, posting: tuple) -> int:
    targets = worker[3]
    occupation = posting[1]
    if occupation in targets:
        return 2
    near = related()
    return 1 if any((t, occupation) in near for t in targets) else 0


def pairs() -> list[tuple[str, str, int]]:
    """Every (worker key, posting key, relevance) judgement."""
    return [(w[0], p[0], relevance(w, p)) for w in WORKERS for p in POSTINGS]
