"""The demo chain's product catalogue, expanded in a fixed order into `CATALOGUE`.

`_CATALOGUE_TEXT` is a small table format, kept as text so it stays compact and readable:

* ``[CATEGORY shelf=DAYS|- region=CODE seasonal sizes=LABEL:UNIT:CENTS,...]`` opens a group.
  ``shelf=-`` means not perishable; no ``region`` means a core SKU sold in every store.
* With ``sizes``, the group is a brand x product x size family: each entry is ``brand product``
  with an optional ``@percent`` price factor (premium brands cost more than the size's base
  price) and becomes one product per size.
* Without ``sizes``, each entry is a single product: ``brand product size:unit:cents``.
* Entries are separated by ``;`` or line breaks; ``#`` lines are comments.

SKUs are numbered in catalogue order (``SKU-000001`` ...) and barcodes derive from the SKU number,
so the catalogue is fully deterministic. Append new groups at the END only: inserting in the middle
would renumber every later SKU, and an already-seeded database would then hold the same SKU under a
different name (the seed never updates existing rows).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

SKU_FORMAT = "SKU-{:06d}"
# GS1 China prefixes are 690-699: "69" + a five-digit company code + a five-digit item reference.
BARCODE_PREFIX = "69"


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    barcode: str
    name: str
    category: str
    unit: str
    price_cents: int
    region_code: str | None  # None: a core SKU sold everywhere
    seasonal: bool
    shelf_life_days: int | None  # None: not perishable


_CATALOGUE_TEXT = """
# ---- core range: sold in every store ----
[BEVERAGES shelf=365 sizes=330ml:罐:300,500ml:瓶:350,1.25L:瓶:600,2L:瓶:850]
可口可乐 可乐; 可口可乐 零度可乐; 百事 可乐; 百事 无糖可乐; 雪碧 柠檬味汽水; 芬达 橙味汽水
美年达 橙味汽水@95; 七喜 柠檬味汽水@95
[BEVERAGES shelf=365 sizes=380ml:瓶:150,550ml:瓶:200,1.5L:瓶:400,4L:桶:1000]
农夫山泉 饮用天然水; 怡宝 纯净水; 百岁山 天然矿泉水@150; 景田 纯净水@90; 娃哈哈 纯净水@90
康师傅 包装饮用水@80
[BEVERAGES shelf=270 sizes=500ml:瓶:400,1L:瓶:650]
康师傅 冰红茶@80; 康师傅 绿茶@80; 统一 冰红茶@80; 统一 绿茶@80; 统一 阿萨姆奶茶@120
三得利 乌龙茶@140; 东方树叶 茉莉花茶@140; 东方树叶 乌龙茶@140; 东方树叶 青柑普洱@140
茶π 柚子绿茶@125; 小茗同学 冷泡青柠红茶@120; 王老吉 凉茶@110
[BEVERAGES shelf=270 sizes=450ml:瓶:450,1.25L:瓶:900]
美汁源 果粒橙@90; 统一 鲜橙多@85; 农夫果园 30%混合果蔬汁; 汇源 100%橙汁@140; 汇源 100%苹果汁@140
康师傅 水晶葡萄@85
[BEVERAGES shelf=270 sizes=480ml:瓶:550]
元气森林 白桃味苏打气泡水; 元气森林 卡曼橘味苏打气泡水; 元气森林 青瓜味苏打气泡水
元气森林 葡萄味苏打气泡水; 元气森林 乳酸菌味苏打气泡水; 屈臣氏 苏打汽水@90; 怡泉 苏打水@80
[BEVERAGES shelf=365]
红牛 维生素功能饮料 250ml:罐:600; 东鹏特饮 维生素功能饮料 500ml:瓶:500; 脉动 青柠口味 600ml:瓶:500
脉动 桃子口味 600ml:瓶:500; 佳得乐 橙味运动饮料 600ml:瓶:550; 宝矿力水特 电解质饮料 500ml:瓶:600
外星人 电解质水 500ml:瓶:600; 尖叫 纤维型运动饮料 550ml:瓶:450; 雀巢 丝滑拿铁 268ml:瓶:600
星巴克 星选咖啡拿铁 270ml:瓶:1000; 农夫山泉 炭仌低糖拿铁 270ml:罐:650; 雀巢 醇品咖啡 180ml:罐:450
维他奶 原味豆奶 250ml:盒:350; 椰树 椰汁 245ml:罐:450; 露露 杏仁露 240ml:罐:450
养元 六个核桃 240ml:罐:450; 旺仔 牛奶 245ml:罐:550; 娃哈哈 营养快线 500ml:瓶:500
娃哈哈 AD钙奶 220g*4:排:1000; 维他 柠檬茶 250ml:盒:350; 康师傅 冰糖雪梨 500ml:瓶:400
统一 海之言柠檬味 500ml:瓶:450; 加多宝 凉茶 310ml:罐:450
[ALCOHOL shelf=365 sizes=330ml:罐:450,500ml:罐:600]
青岛 经典啤酒; 青岛 纯生啤酒@115; 雪花 勇闯天涯@95; 雪花 纯生@110; 百威 啤酒@130
哈尔滨 冰纯啤酒@95; 喜力 啤酒@140
[SNACKS shelf=270 sizes=40g:袋:600,70g:袋:850,135g:袋:1290]
乐事 原味薯片; 乐事 黄瓜味薯片; 乐事 意大利香浓红烩味薯片; 乐事 青柠味薯片
乐事 墨西哥鸡汁番茄味薯片; 可比克 番茄味薯片@85; 上好佳 鲜虾片@70; 好丽友 薯愿香烤原味@110
[SNACKS shelf=365 sizes=97g:袋:550,194g:盒:990]
奥利奥 原味夹心饼干; 奥利奥 草莓味夹心饼干; 奥利奥 巧克力味夹心饼干; 趣多多 巧克力豆曲奇@110
康师傅 3+2柠檬味苏打夹心饼干@90; 好吃点 高纤消化饼@90; 达能 王子牛奶饼干@85
太平 海苔味梳打饼干@90
[SNACKS shelf=180 sizes=160g:袋:750,308g:袋:1290]
洽洽 香瓜子; 洽洽 焦糖瓜子@110; 洽洽 山核桃味瓜子@110; 三只松鼠 夏威夷果@250; 三只松鼠 碧根果@250
良品铺子 开心果@220; 百草味 腰果@220; 口水娃 兰花豆@70
[SNACKS shelf=365]
德芙 丝滑牛奶巧克力 43g:条:700; 德芙 醇黑巧克力 43g:条:700; 德芙 榛仁巧克力 43g:条:700
士力架 花生夹心巧克力 51g:条:500; 士力架 花生夹心巧克力分享装 460g:袋:3990
费列罗 榛果威化巧克力 3粒装:盒:1500; 好时 kisses牛奶巧克力 82g:袋:1590; 大白兔 奶糖 114g:袋:990
阿尔卑斯 牛奶硬糖 45g:袋:450; 徐福记 酥心糖 180g:袋:1290; 绿箭 原味薄荷口香糖 5片装:条:250
益达 木糖醇口香糖薄荷味 56g:瓶:1150; 炫迈 无糖口香糖葡萄味 28片:盒:1150
旺仔 QQ糖水蜜桃味 20g:袋:250; 不二家 棒棒糖 10支装:袋:990; 曼妥思 薄荷糖 38g:条:450
彩虹糖 原味 45g:袋:550
[SNACKS shelf=180]
卫龙 大面筋 102g:袋:500; 卫龙 小面筋 60g:袋:300; 卫龙 魔芋爽香辣味 180g:袋:1290
双汇 王中王火腿肠 240g:袋:1090; 盐津铺子 卤鹌鹑蛋 200g:袋:1290; 良品铺子 猪肉脯 100g:袋:1690
三只松鼠 手撕面包 1kg:箱:2590; 达利园 法式软面包香奶味 200g:袋:990; 好丽友 巧克力派 6枚装:盒:1290
旺旺 仙贝 52g:袋:650; 旺旺 雪饼 84g:袋:650; 喜之郎 什锦果冻 360g:袋:1290; 溜溜梅 青梅 160g:袋:1290
浪味仙 蔬菜味 70g:袋:690; 旺仔 小馒头原味 100g:袋:790; 康师傅 妙芙蛋糕巧克力味 48g:袋:300
[DAIRY shelf=180 sizes=250ml:盒:350,250ml*12盒:提:3990]
伊利 纯牛奶@90; 蒙牛 纯牛奶@90; 伊利 金典纯牛奶@150; 蒙牛 特仑苏纯牛奶@150; 蒙牛 特仑苏低脂奶@155
伊利 舒化无乳糖牛奶@130; 君乐宝 纯牛奶@80
[DAIRY shelf=150 sizes=205g:瓶:650,205g*10瓶:箱:5990]
伊利 安慕希希腊风味酸奶原味; 伊利 安慕希希腊风味酸奶蓝莓味; 蒙牛 纯甄原味风味酸奶@95
光明 莫斯利安原味酸奶@95
[DAIRY shelf=21 sizes=100g:杯:450,450g:桶:1590]
简爱 原味裸酸奶; 简爱 0蔗糖酸奶@105; 伊利 畅轻燕麦黄桃酸奶@90; 蒙牛 冠益乳原味@90
卡士 原态酪乳@120; 乐纯 希腊酸奶@150
[DAIRY shelf=7 sizes=250ml:瓶:550,950ml:盒:1590]
蒙牛 每日鲜语鲜牛奶@110; 伊利 金典鲜牛奶; 君乐宝 悦鲜活鲜牛奶
[DAIRY shelf=21]
养乐多 活菌型乳酸菌乳品 100ml*5:排:1190; 味全 活性乳酸菌饮料 435ml:瓶:1050
妙可蓝多 原味奶酪棒 100g:袋:1990; 安佳 原味切片奶酪 10片:袋:2590
[FRESH_FRUIT shelf=3]
烟台 红富士苹果 散装:kg:1290; 阿克苏 冰糖心苹果 散装:kg:1590; 海南 香蕉 散装:kg:790
赣南 脐橙 散装:kg:990; 砀山 酥梨 散装:kg:790; 广西 沃柑 散装:kg:1190
佳沛 阳光金奇异果 4个装:盒:3990; 智利 车厘子 500g:盒:6990; 云南 蓝莓 125g:盒:1990
丹东 红颜草莓 500g:盒:3990; 泰国 金枕头榴莲果肉 300g:盒:5990; 越南 白心火龙果 单果:个:790
海南 贵妃芒 500g:盒:1690; 新西兰 皇后苹果 4个装:盒:2590; 山东 圣女果 500g:盒:1290
云南 阳光玫瑰葡萄 500g:盒:2990
[FRESH_FRUIT shelf=1]
链店鲜切 菠萝块 200g:盒:990; 链店鲜切 西瓜块 350g:盒:1290; 链店鲜切 哈密瓜块 250g:盒:1290
链店鲜切 什锦水果杯 300g:盒:1590
[BAKERY shelf=3]
桃李 醇熟切片面包 400g:袋:1050; 桃李 天然酵母面包 80g:袋:350; 宾堡 全麦吐司 400g:袋:1290
曼可顿 牛奶吐司 400g:袋:1190; 桃李 豆沙面包 75g:袋:350
[BAKERY shelf=1]
链店烘焙 牛角可颂:个:650; 链店烘焙 肉松小贝 2个装:盒:1290; 链店烘焙 奶油面包:个:550
链店烘焙 红豆面包:个:550; 链店烘焙 蔓越莓贝果:个:800; 链店烘焙 原味瑞士卷:盒:1590
链店烘焙 葡式蛋挞 2个装:盒:990; 链店烘焙 火腿芝士可颂:个:1290; 链店烘焙 全麦吐司 350g:袋:1290
链店烘焙 提拉米苏 120g:盒:1890
[READY_MEALS shelf=1]
链店鲜食 金枪鱼蛋黄酱饭团:个:550; 链店鲜食 照烧鸡腿饭团:个:650; 链店鲜食 三文鱼饭团:个:750
链店鲜食 咖喱鸡肉饭:盒:1590; 链店鲜食 梅菜扣肉饭:盒:1790; 链店鲜食 宫保鸡丁饭:盒:1690
链店鲜食 鸡丝凉拌荞麦面:盒:1490; 链店鲜食 鸡胸肉蔬菜沙拉:盒:1890; 链店鲜食 火腿鸡蛋三明治:个:990
[FROZEN shelf=365 sizes=500g:袋:1990,1kg:袋:3590]
思念 猪肉白菜水饺; 思念 三鲜水饺@105; 三全 猪肉荠菜水饺; 三全 玉米猪肉水饺
湾仔码头 玉米猪肉水饺@140; 湾仔码头 荠菜猪肉云吞@150; 必品阁 韩式泡菜王饺子@130
[FROZEN shelf=365]
安井 鱼丸 400g:袋:1590; 安井 撒尿肉丸 400g:袋:1690; 安井 蛋饺 240g:袋:1290
思念 原味手抓饼 900g:袋:2190; 正大 玉米蔬菜猪肉蒸饺 720g:袋:2990; 三全 灌汤小笼包 450g:袋:1690
圣农 脆皮炸鸡 1kg:袋:3990; 正大 香酥鸡块 500g:袋:2590; 麦肯 美式薯条 1kg:袋:2490
三全 奶香馒头 360g:袋:1090
[FROZEN shelf=365 seasonal]
伊利 巧乐兹经典巧脆棒 75g:支:400; 伊利 冰工厂酸梅口味 80g:支:250; 伊利 牧场绿豆冰 75g:支:300
蒙牛 随变香草巧克力 75g:支:400; 蒙牛 绿色心情 65g:支:300; 和路雪 梦龙香草口味 64g:支:1000
和路雪 梦龙松露巧克力口味 64g:支:1000; 和路雪 可爱多香草口味 67g:支:600
和路雪 可爱多草莓口味 67g:支:600; 钟薛高 特牛乳 78g:片:1300; 哈根达斯 香草口味 81g:杯:3600
雀巢 笨NANA香蕉味 68g:支:500
[FROZEN shelf=365 seasonal sizes=400g:袋:1290,1kg:袋:2690]
思念 黑芝麻汤圆; 思念 花生汤圆; 三全 黑芝麻汤圆; 三全 五仁汤圆
[FESTIVE_FOOD shelf=180 seasonal sizes=2只装:袋:1590,6只装:袋:4290]
五芳斋 鲜肉粽; 五芳斋 蛋黄鲜肉粽@120; 五芳斋 豆沙粽@85; 五芳斋 八宝粽@90; 真真老老 蛋黄肉粽@110
[FESTIVE_FOOD shelf=60 seasonal]
五芳斋 端午粽子礼盒 1.2kg:盒:12800; 美心 流心奶黄月饼 8枚装:盒:39800
美心 双黄白莲蓉月饼 4枚装:盒:32800; 华美 金典月饼礼盒 680g:盒:12800
[SNACKS shelf=180 seasonal]
三只松鼠 坚果大礼包 1.5kg:盒:13900; 百草味 年货坚果礼盒 1.6kg:盒:12900
良品铺子 年货零食礼盒 1.8kg:盒:14900; 旺旺 新春大礼包 1.2kg:袋:9900
徐福记 什锦新年糖 500g:袋:3290; 德芙 新年心意礼盒 252g:盒:8900
[HOUSEHOLD shelf=-]
维达 超韧抽纸 3层100抽*3包:提:1290; 清风 原木纯品抽纸 3层120抽*3包:提:1290
洁柔 Face手帕纸 4层*10包:条:690; 心相印 茶语卷纸 4层140g*10卷:提:3490
蓝月亮 深层洁净洗衣液 1kg:瓶:2490; 蓝月亮 亮白增艳洗衣液 3kg:瓶:5990
汰渍 全效洗衣粉 1.65kg:袋:2590; 立白 洗洁精 1kg:瓶:1190; 威猛先生 厨房重油污净 500g:瓶:1890
妙洁 中号保鲜袋 100只:盒:1290; 妙洁 点断式垃圾袋 50只:卷:990; 南孚 5号电池 4粒:卡:1650
南孚 7号电池 4粒:卡:1650; 心相印 湿巾 80片:包:1490; 滴露 消毒液 750ml:瓶:4390
威露士 洗手液 525ml:瓶:2590; 天堂 三折晴雨伞:把:3990; 得宝 迷你手帕纸 4层*18包:条:1290
[HOUSEHOLD shelf=- seasonal]
超威 电热蚊香液无香型 45晚:瓶:2290; 雷达 电热蚊香片 30片:盒:1590
[PERSONAL_CARE shelf=- sizes=90g:支:1190,180g:支:1990]
高露洁 全面防蛀牙膏@80; 云南白药 牙膏@220; 佳洁士 3D炫白牙膏@120; 舒适达 抗敏感牙膏@250
黑人 双重薄荷牙膏@110; 冷酸灵 抗敏感牙膏@100
[PERSONAL_CARE shelf=- sizes=200ml:瓶:2990,400ml:瓶:4990]
海飞丝 去屑洗发水; 潘婷 乳液修护洗发水@95; 飘柔 家庭护理洗发水@85; 清扬 男士去屑洗发水@105
蜂花 护发素@55
[PERSONAL_CARE shelf=-]
舒肤佳 纯白清香香皂 100g:块:590; 舒肤佳 柠檬清新沐浴露 720ml:瓶:3990; 大宝 SOD蜜 100g:瓶:1590
妮维雅 男士控油洁面乳 100g:支:3490; 曼秀雷敦 天然型润唇膏 3.5g:支:2590
苏菲 弹力贴身日用卫生巾 240mm*10片:包:1590; 护舒宝 液体卫生巾 240mm*8片:包:2290
吉列 威锋剃须刀 1刀架1刀头:盒:2990; 高露洁 超细毛牙刷 2支装:包:1590; 邦迪 创可贴 10片:盒:990
稳健 医用外科口罩 10只:包:990; 强生 婴儿润肤露 100ml:瓶:2290
[PERSONAL_CARE shelf=- seasonal]
六神 经典花露水 195ml:瓶:1590; 六神 驱蚊花露水 180ml:瓶:1990
[INSTANT_FOOD shelf=180 sizes=单袋:袋:350,桶装:桶:550,五连包:提:1590]
康师傅 红烧牛肉面; 康师傅 老坛酸菜牛肉面; 康师傅 香辣牛肉面; 统一 老坛酸菜牛肉面
白象 汤好喝老母鸡汤面@110; 今麦郎 一菜一面红烧牛肉@95
[INSTANT_FOOD shelf=365]
日清 合味道海鲜风味 84g:杯:650; 日清 合味道香辣海鲜风味 84g:杯:650
统一 汤达人日式豚骨拉面 125g:袋:650; 白家陈记 酸辣粉 105g:桶:790; 李子柒 柳州螺蛳粉 335g:袋:1390
好欢螺 柳州螺蛳粉 400g:袋:1490; 自嗨锅 麻辣牛肉自热火锅 435g:盒:3290
海底捞 番茄牛腩自热小火锅 400g:盒:3590; 莫小仙 台式卤肉自热煲仔饭 275g:盒:2590
梅林 午餐肉罐头 340g:罐:1890; 银鹭 桂圆莲子八宝粥 360g:罐:450; 娃哈哈 八宝粥 360g:罐:450
[CONDIMENTS shelf=365]
海天 味极鲜酱油 760ml:瓶:1690; 海天 金标生抽 500ml:瓶:890; 李锦记 旧庄特级蚝油 510g:瓶:1690
李锦记 锦珍老抽 500ml:瓶:1290; 老干妈 风味豆豉油制辣椒 280g:瓶:1090
老干妈 香辣脆油辣椒 210g:瓶:990; 太太乐 鸡精 200g:袋:1090; 中盐 精制加碘食用盐 400g:袋:250
金龙鱼 黄金比例食用调和油 5L:桶:6990; 鲁花 5S压榨一级花生油 5L:桶:14990; 乌江 涪陵榨菜 80g:袋:250
亨氏 番茄酱 320g:瓶:1290; 丘比 香甜味沙拉酱 200g:袋:990; 千禾 零添加酱油 500ml:瓶:1390
王守义 十三香 45g:盒:590
[STATIONERY shelf=-]
晨光 K35按动中性笔 0.5mm黑色:支:250; 晨光 K35按动中性笔 0.5mm蓝色:支:250
晨光 K35按动中性笔 0.5mm红色:支:250; 晨光 中性笔替芯 0.5mm黑色20支:盒:1290
百乐 P500中性笔 0.5mm黑色:支:1000; 斑马 JJ15按动中性笔 0.5mm黑色:支:850; 得力 A5软抄本 60页:本:590
得力 B5胶套本 80页:本:890; 国誉 Campus活页本 B5:本:2290; 得力 便利贴 76mm*76mm 100张:本:390
晨光 修正带 6m:个:590; 得力 固体胶 21g:支:350; 晨光 2B考试铅笔 10支:盒:990; 得力 4B橡皮擦:块:200
晨光 直尺 20cm:把:200; 得力 12号订书机:个:1590; 得力 A4复印纸 70g 500张:包:2690
晨光 透明胶带 48mm:卷:490; 得力 办公剪刀 170mm:把:690; 马利 水彩笔 24色:盒:1990
[STATIONERY shelf=- seasonal]
得力 新春对联福字套装:套:1990; 得力 烫金红包利是封 10个装:包:590
[BEVERAGES shelf=365]
雀巢 1+2原味速溶咖啡 15g*30条:盒:4990; 雀巢 金牌黑咖啡 1.8g*20条:盒:4590
香飘飘 原味奶茶 80g:杯:450; 香飘飘 红豆奶茶 64g:杯:550; 立顿 黄牌精选红茶 2g*100包:盒:3990
立顿 绝品醇奶茶 17.5g*10包:盒:2590
[GROCERY shelf=365]
金龙鱼 东北大米 5kg:袋:3990; 十月稻田 五常稻花香大米 2.5kg:袋:4990; 陈克明 龙须挂面 1kg:袋:990
金沙河 鸡蛋挂面 500g:袋:690; 桂格 即食燕麦片 1kg:袋:2990; 西麦 红枣高铁燕麦片 700g:袋:2590
南方 黑芝麻糊 600g:袋:2290; 太古 优级白砂糖 454g:盒:990; 古松 冰糖 400g:袋:790
金龙鱼 高筋麦芯小麦粉 2.5kg:袋:2590; 十月稻田 东北小米 1kg:袋:1990
五谷磨房 核桃芝麻黑豆粉 600g:罐:4990; 金沙河 鲜切面 500g:袋:590
[GROCERY shelf=30]
德青源 鲜鸡蛋 10枚装:盒:1590; 圣迪乐村 鲜鸡蛋 15枚装:盒:2590; 黄天鹅 可生食鸡蛋 6枚装:盒:2490
[GROCERY shelf=3]
白玉 北豆腐 400g:盒:350; 白玉 内酯豆腐 350g:盒:300; 祖名 纯豆浆 1L:袋:590
# ---- EAST (华东) regional range ----
[BEVERAGES shelf=365 region=EAST]
正广和 盐汽水 600ml:瓶:350
[DAIRY shelf=7 region=EAST]
光明 优倍鲜牛奶 950ml:盒:1990; 光明 致优全鲜乳 780ml:瓶:2490
[DAIRY shelf=21 region=EAST]
光明 畅优植物乳杆菌酸奶 100g*8:组:1590
[BAKERY shelf=2 region=EAST]
沈大成 条头糕 4个装:盒:1290; 知味观 定胜糕 4个装:盒:1590; 知味观 桂花糕 200g:盒:1590
[FESTIVE_FOOD shelf=3 region=EAST seasonal]
杏花楼 咸蛋黄肉松青团 6只装:盒:4800; 知味观 艾草豆沙青团 4只装:盒:2800
杏花楼 鲜肉月饼 4只装:盒:3290
[CONDIMENTS shelf=365 region=EAST]
恒顺 镇江香醋 550ml:瓶:890; 老恒和 太雕料酒 500ml:瓶:990
[DELI shelf=21 region=EAST]
桂花鸭 南京盐水鸭 500g:袋:4990; 桂花鸭 酱鸭翅 200g:袋:2990
[SNACKS shelf=180 region=EAST]
老城隍庙 五香豆 200g:袋:990; 采芝斋 苏式粽子糖 180g:袋:1590; 三牛 万年青饼干 400g:袋:1990
[FROZEN shelf=365 region=EAST]
小杨生煎 速冻生煎包 12只:袋:3290; 缸鸭狗 宁波黑芝麻汤圆 400g:袋:1790
[FROZEN shelf=365 region=EAST seasonal]
光明 冰砖香草味 115g:块:400; 光明 白雪赤豆棒冰 70g:支:300
[FRESH_FRUIT shelf=3 region=EAST seasonal]
无锡 阳山水蜜桃 4个装:盒:3990
[ALCOHOL shelf=730 region=EAST]
古越龙山 清醇三年绍兴黄酒 500ml:瓶:1590
# ---- NORTH (华北) regional range ----
[BEVERAGES shelf=365 region=NORTH]
北冰洋 桔汁汽水 330ml:罐:450; 北冰洋 桃汁汽水 330ml:罐:450
[DAIRY shelf=7 region=NORTH]
三元 鲜牛乳 950ml:盒:1590; 三元 极致鲜牛乳 250ml:瓶:690
[DAIRY shelf=21 region=NORTH]
三元 北京老酸奶 180g:杯:590
[BAKERY shelf=3 region=NORTH]
稻香村 牛舌饼 4块装:盒:1590; 稻香村 枣花酥 6块装:盒:1990; 义利 果子面包 100g:个:690
[FESTIVE_FOOD shelf=60 region=NORTH seasonal]
稻香村 京式月饼礼盒 8枚装:盒:16800; 稻香村 五仁月饼 100g:个:890
[SNACKS shelf=90 region=NORTH]
桂发祥 十八街什锦麻花 400g:袋:3890; 御食园 北京果脯 500g:袋:2990
[FROZEN shelf=365 region=NORTH]
狗不理 猪肉灌汤包 480g:袋:3990; 稻香村 速冻元宵 500g:袋:2590
[FROZEN shelf=365 region=NORTH seasonal]
东北大板 原味雪糕 75g:支:500; 东北大板 巧克力雪糕 75g:支:500; 中街1946 巧克力雪糕 75g:支:1000
[DELI shelf=21 region=NORTH]
天福号 酱肘子 400g:袋:4990; 月盛斋 五香酱牛肉 200g:袋:4590
[CONDIMENTS shelf=365 region=NORTH]
六必居 甜酱八宝瓜 300g:袋:890; 王致和 红腐乳 340g:瓶:1090; 东湖 山西老陈醋 420ml:瓶:850
[ALCOHOL shelf=365 region=NORTH]
燕京 U8啤酒 500ml:罐:600; 红星 二锅头56度 500ml:瓶:2500
# ---- SOUTH (华南) regional range ----
[BEVERAGES shelf=365 region=SOUTH]
屈臣氏 沙示汽水 330ml:罐:400; 珍珍 荔枝味汽水 330ml:罐:350; 黄则和 花生汤 320g:罐:500
鸿福堂 夏枯草凉茶 500ml:瓶:600
[DAIRY shelf=7 region=SOUTH]
燕塘 鲜牛奶 950ml:盒:1690
[DAIRY shelf=21 region=SOUTH]
燕塘 原味酸奶 200g:杯:550
[BAKERY shelf=3 region=SOUTH]
嘉顿 生命面包 450g:袋:1390; 链店烘焙 菠萝包:个:550
[FESTIVE_FOOD shelf=60 region=SOUTH seasonal]
广州酒家 双黄白莲蓉月饼 4枚装:盒:29800; 荣华 双黄白莲蓉月饼 4枚装:盒:36800
[SNACKS shelf=180 region=SOUTH]
嘉顿 柠檬味威化饼干 200g:袋:990; 广州酒家 鸡仔饼 250g:袋:1990; 佳宝 九制话梅 80g:袋:990
[FROZEN shelf=365 region=SOUTH]
利口福 水晶虾饺皇 240g:袋:3290; 广州酒家 蜜汁叉烧包 300g:袋:2290; 福合埕 潮汕牛肉丸 250g:袋:3590
[FROZEN shelf=365 region=SOUTH seasonal]
五羊 香草甜筒 80g:支:450
[DELI shelf=180 region=SOUTH]
皇上皇 广式腊肠 500g:袋:5990
[INSTANT_FOOD shelf=365 region=SOUTH]
出前一丁 麻油味 100g:袋:490; 鹰金钱 豆豉鲮鱼罐头 227g:罐:1590
[CONDIMENTS shelf=365 region=SOUTH]
八珍 甜醋 500ml:瓶:1290
[FRESH_FRUIT shelf=3 region=SOUTH seasonal]
增城 挂绿荔枝 500g:盒:3990
[ALCOHOL shelf=365 region=SOUTH]
珠江 纯生啤酒 500ml:罐:600
# ---- WEST (西部) regional range ----
[BEVERAGES shelf=365 region=WEST]
天府可乐 经典原味 330ml:罐:350; 冰峰 橙味汽水 330ml:罐:400; 西域春 奶啤 300ml:罐:600
[DAIRY shelf=21 region=WEST]
天润 浓缩酸奶 180g:盒:650; 菊乐 酸乐奶 250ml:盒:350
[DAIRY shelf=7 region=WEST]
新希望 24小时鲜牛奶 950ml:盒:1590
[SNACKS shelf=180 region=WEST]
张飞 麻辣牛肉干 100g:袋:2990; 有友 泡椒凤爪 180g:袋:1290; 吐鲁番 无核白葡萄干 500g:袋:2990
和田 骏枣 500g:袋:3590
[CONDIMENTS shelf=365 region=WEST]
桥头 老火锅底料 400g:袋:2590; 德庄 牛油火锅底料 300g:袋:2290; 鹃城牌 郫县豆瓣 500g:袋:890
保宁 醋 430ml:瓶:690
[INSTANT_FOOD shelf=180 region=WEST]
阿宽 红油面皮 110g:袋:590; 老孙家 羊肉泡馍 300g:盒:2590
[BAKERY shelf=3 region=WEST]
链店烘焙 新疆烤馕:个:600; 链店烘焙 红糖锅盔:个:600
[FRESH_FRUIT shelf=3 region=WEST]
库尔勒 香梨 散装:kg:1590
[FRESH_FRUIT shelf=3 region=WEST seasonal]
哈密 西州蜜瓜 单个约1.5kg:个:2990; 攀枝花 凯特芒果 1kg:盒:2590
[FROZEN shelf=365 region=WEST]
龙抄手 红油抄手 400g:袋:2290
[DELI shelf=7 region=WEST]
廖记棒棒鸡 麻辣鸡块 300g:盒:3590
[ALCOHOL shelf=365 region=WEST]
乌苏 啤酒 620ml:瓶:800; 重庆 啤酒 500ml:罐:550
"""


def ean13_check_digit(first12: str) -> str:
    """GS1 check digit: weights 1, 3, 1, 3 ... from the left over the first twelve digits."""
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError(f"need 12 digits, got {first12!r}")
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(first12))
    return str((10 - total % 10) % 10)


def _barcode(brand: str, number: int) -> str:
    company = 10000 + zlib.crc32(brand.encode()) % 90000  # stable per brand, unlike hash()
    first12 = f"{BARCODE_PREFIX}{company:05d}{number:05d}"
    return first12 + ean13_check_digit(first12)


@dataclass
class _Group:
    category: str
    shelf_life_days: int | None = None
    region: str | None = None
    seasonal: bool = False
    sizes: tuple[tuple[str, str, int], ...] = ()


def _header(line: str) -> _Group:
    category, *options = line.strip("[]").split()
    group = _Group(category)
    for option in options:
        key, _, value = option.partition("=")
        if key == "shelf":
            group.shelf_life_days = None if value == "-" else int(value)
        elif key == "region":
            group.region = value
        elif key == "seasonal":
            group.seasonal = True
        elif key == "sizes":
            parts = [size.split(":") for size in value.split(",")]
            group.sizes = tuple((label, unit, int(cents)) for label, unit, cents in parts)
        else:
            raise ValueError(f"unknown catalogue option {option!r}")
    return group


def _products(group: _Group, entry: str) -> list[tuple[str, str, int]]:
    """(name, unit, price_cents) for one catalogue entry."""
    if not group.sizes:
        name, unit, cents = entry.rsplit(":", 2)
        return [(name.strip(), unit, int(cents))]
    base, _, percent = entry.partition("@")
    factor = int(percent) if percent else 100
    # Scale by the brand's factor, then round to whole ten-fen amounts (3.33 CNY -> 3.30).
    return [
        (f"{base.strip()} {label}", unit, (cents * factor + 500) // 1000 * 10)
        for label, unit, cents in group.sizes
    ]


def _build() -> tuple[ProductSpec, ...]:
    products: list[ProductSpec] = []
    group: _Group | None = None
    for line in _CATALOGUE_TEXT.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            group = _header(line)
            continue
        if group is None:
            raise ValueError("catalogue entry before the first [group] header")
        for entry in filter(None, (part.strip() for part in line.split(";"))):
            for name, unit, price_cents in _products(group, entry):
                number = len(products) + 1
                products.append(
                    ProductSpec(
                        sku=SKU_FORMAT.format(number),
                        barcode=_barcode(name.split()[0], number),
                        name=name,
                        category=group.category,
                        unit=unit,
                        price_cents=price_cents,
                        region_code=group.region,
                        seasonal=group.seasonal,
                        shelf_life_days=group.shelf_life_days,
                    )
                )
    return tuple(products)


CATALOGUE: tuple[ProductSpec, ...] = _build()
