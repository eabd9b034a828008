"""Sales-script templates per segment and language; slots are filled from catalog facts only.

Why so many: an unattended 24/7 loop that says the same sentence twice in a few minutes sounds
like a machine. Variants x slot values (which selling point, which spec) x openers give each
(product, segment) a deck of hundreds of distinct lines. Rules for adding templates: only
slots listed in :data:`SLOTS`; no claim the catalog cannot back (no "我自己也在用", no fake
countdown, no "拍完恢复原价"); no absolute terms (the compliance filter would rewrite or
drop the line anyway).
"""

from __future__ import annotations

SEGMENTS = ("opening", "hook", "features", "proof", "price_reveal", "stock_urgency", "call_to_action", "transition")

# Slot -> what fills it (see scripts._slot_values).
SLOTS = ("shop", "name", "category", "point", "spec_key", "spec_value", "faq_q", "faq_a", "price", "promo",
         "saving", "stock", "link", "gift", "returns", "warranty", "ships_hours", "colours", "sizes",
         "next_name", "next_category")

OPENERS = {
    "zh": ["", "家人们，", "宝宝们，", "朋友们，", "直播间的朋友们，", "亲们，", "来，", "好，", "咱们接着说，"],
    "en": ["", "Friends, ", "Hey everyone, ", "Okay folks, ", "So, ", "Alright, ", "Right, ", "Now, "],
}

TEMPLATES: dict[str, dict[str, list[str]]] = {
    "zh": {
        "opening": [
            "欢迎来到{shop}，今天准备了好几款好物，点个关注不迷路。",
            "欢迎大家来到{shop}，有问题直接打在评论区，我们一个个回答。",
            "欢迎新进来的朋友，这里是{shop}，价格和规格都以商品详情页为准。",
            "欢迎来到{shop}，想看哪款产品可以在评论区告诉我们。",
            "感谢大家来到{shop}，喜欢的话点点小红心。",
            "这里是{shop}，今天每款产品的售后政策都会讲清楚，放心看。",
            "欢迎来到{shop}，我是今天的数字人主播，有问题随时问我。",
            "大家好，{shop}开播啦，评论区可以直接问价格、尺码和发货。",
        ],
        "hook": [
            "接下来这款{category}，主打一个{point}。",
            "想要{point}的朋友，这款{name}一定要看一看。",
            "来看这款{category}：{point}。",
            "很多朋友在找{category}，这款{name}的亮点是{point}。",
            "这款{name}，一句话说清楚：{point}。",
            "评论区有朋友问{category}，那就来看这款：{point}。",
            "选{category}的朋友看过来，{point}。",
            "这款{name}给大家讲讲，先说亮点：{point}。",
        ],
        "features": [
            "先说第一点，{point}。",
            "它的{spec_key}是{spec_value}。",
            "再给大家说说{spec_key}：{spec_value}。",
            "还有一个细节，{point}。",
            "我们来看参数，{spec_key}：{spec_value}。",
            "这款{category}的一大特点：{point}。",
            "{spec_key}方面，{spec_value}，详情页也写得清清楚楚。",
            "喜欢它的朋友多半是因为{point}。",
            "说到{spec_key}，这款是{spec_value}。",
            "大家注意这一点：{point}。",
        ],
        "proof": [
            "很多朋友问：{faq_q}？{faq_a}。",
            "评论区常见的问题：{faq_q}？答案是，{faq_a}。",
            "参数给大家摆出来：{spec_key}，{spec_value}。",
            "售后方面，{returns}。",
            "售后放心，{warranty}。",
            "详情页写着，{spec_key}：{spec_value}，大家可以对照看。",
            "有朋友关心{faq_q}，{faq_a}。",
            "下单后{ships_hours}小时内发货，售后{returns}。",
        ],
        "price_reveal": [
            "价格来了：日常价{price}，今天直播间到手价{promo}。",
            "这款{name}，日常价{price}，直播间现在{promo}，相当于省了{saving}。",
            "今天直播间{promo}就能带回家，日常卖{price}。",
            "到手价{promo}，比日常价{price}少了{saving}。",
            "直播间价格{promo}，日常价{price}，差价{saving}。",
            "这款{category}今天{promo}，日常价是{price}。",
        ],
        "price_plain": [
            "这款{name}，价格{price}。",
            "{category}价格是{price}，详情页同价。",
            "这款{category}直播间价格{price}。",
        ],
        "stock_urgency": [
            "这一场{name}准备了{stock}件，需要的朋友别等。",
            "库存一共{stock}件，喜欢的抓紧。",
            "现在下单，{ships_hours}小时内发货。",
            "这款目前库存{stock}件，喜欢的早点下单。",
            "优惠价{promo}，库存{stock}件，先到先得。",
            "{stock}件库存，拍下后{ships_hours}小时内给大家发出。",
        ],
        "call_to_action": [
            "想要的朋友点击下方小黄车{link}号链接。",
            "小黄车{link}号链接，点进去就能下单。",
            "喜欢的直接拍{link}号链接，颜色有{colours}可选。",
            "下单找{link}号链接，尺码有{sizes}。",
            "{link}号链接就是这款{category}，今天下单还送{gift}。",
            "拍{link}号链接，到手价{promo}。",
            "需要的朋友去{link}号链接，有问题打在评论区。",
        ],
        "transition": [
            "{name}就先讲到这里，接下来给大家看{next_name}。",
            "好，下一款是{next_category}，马上给大家介绍。",
            "这款讲完了，接下来看看{next_name}。",
            "还想了解{category}的可以继续问，下面来看{next_category}。",
            "接下来给大家介绍{next_name}，感兴趣的别走开。",
        ],
    },
    "en": {
        "opening": [
            "Welcome to {shop}, we have several products lined up today, follow us so you don't miss them.",
            "Welcome to {shop}, drop your questions in the comments and we'll answer them one by one.",
            "Hi and welcome to {shop}, prices and specs are all on the product pages too.",
            "Welcome to {shop}, tell us in the comments which product you want to see.",
            "Thanks for joining {shop}, tap the heart if you like what you see.",
            "This is {shop}, and we'll go through the after-sales policy of every product today.",
            "Welcome to {shop}, I'm today's digital host, ask me anything about the products.",
            "Hello everyone, {shop} is live, ask about prices, sizes or shipping in the comments.",
        ],
        "hook": [
            "Next up, {category}: {point}.",
            "Here's one reason to like the {name}: {point}.",
            "Here's the {name}: {point}.",
            "Lots of you are looking for {category}, and here's what this one does: {point}.",
            "The {name} in one line: {point}.",
            "Someone asked about {category}, so here it is: {point}.",
            "Shopping for {category}? Check this out: {point}.",
            "Let me show you the {name}. The headline: {point}.",
        ],
        "features": [
            "First thing to know: {point}.",
            "{spec_key}: {spec_value}.",
            "Spec check. {spec_key}: {spec_value}.",
            "Another detail: {point}.",
            "Looking at the spec sheet. {spec_key}: {spec_value}.",
            "One of the main features: {point}.",
            "Next spec. {spec_key}: {spec_value}, and that's on the product page too.",
            "One reason people pick it: {point}.",
            "Quick look at the specs. {spec_key}: {spec_value}.",
            "Note this one: {point}.",
        ],
        "proof": [
            "A common question: {faq_q}? {faq_a}.",
            "Someone always asks, {faq_q}? The answer: {faq_a}.",
            "Here are the numbers. {spec_key}: {spec_value}.",
            "After-sales: {returns}.",
            "After-sales is covered: {warranty}.",
            "From the product page. {spec_key}: {spec_value}. You can check it there.",
            "Some of you asked, {faq_q}? {faq_a}.",
            "Orders ship within {ships_hours} hours, and {returns}.",
        ],
        "price_reveal": [
            "Here's the price: normally {price}, today in the live room it's {promo}.",
            "The {name} is usually {price}, right now it's {promo}, you save {saving}.",
            "Today you can take it home for {promo}, the regular price is {price}.",
            "It's {promo} today, that's {saving} less than the regular {price}.",
            "Live-room price {promo}, regular price {price}, a difference of {saving}.",
            "These {category} are {promo} today, regular price {price}.",
        ],
        "price_plain": [
            "The {name} costs {price}.",
            "The price is {price}, the same as on the product page.",
            "In the live room these {category} are {price}.",
        ],
        "stock_urgency": [
            "We have {stock} units of the {name} for this stream, don't wait too long.",
            "There are {stock} in stock in total, grab one while they last.",
            "Order now and it ships within {ships_hours} hours.",
            "Current stock is {stock} units, grab yours early.",
            "{promo} today with {stock} in stock, first come first served.",
            "{stock} units ready, shipped within {ships_hours} hours of your order.",
        ],
        "call_to_action": [
            "Tap the shopping cart below and pick link {link}.",
            "It's link {link} in the cart, tap it to order.",
            "Grab link {link}, colours: {colours}.",
            "Order from link {link}, sizes: {sizes}.",
            "Link {link} is this one, and today it comes with {gift}.",
            "Link {link}, {promo} today.",
            "Head to link {link}, and put any questions in the comments.",
        ],
        "transition": [
            "That's it for the {name}, next up: the {next_name}.",
            "Alright, next we have {next_category}, coming right up.",
            "Done with this one, let's look at the {next_name}.",
            "Keep asking about the {category} if you like, now for the {next_category}.",
            "Next I'll show you the {next_name}, stay with us.",
        ],
    },
}
