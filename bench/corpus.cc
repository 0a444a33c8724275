// The word lists and templates of the synthetic corpora.
#include "bench/corpus.h"

#include <algorithm>
#include <random>

namespace kefu::bench {
namespace {

const std::vector<std::string> kEnWords = {
    "order", "refund", "return", "shipping", "delivery", "package", "parcel", "tracking", "invoice",
    "receipt", "payment", "card", "credit", "debit", "coupon", "voucher", "discount", "account",
    "password", "email", "phone", "address", "membership", "points", "reward", "cancel", "change",
    "update", "exchange", "size", "colour", "warranty", "repair", "damaged", "missing", "late",
    "express", "standard", "international", "customs", "tax", "fee", "charge", "twice", "pending",
    "failed", "declined", "bank", "transfer", "wallet", "gift", "wrap", "store", "pickup", "locker",
    "courier", "label", "printer", "app", "notification", "language", "setting", "login", "code",
    "verification", "security", "profile", "subscription", "renewal", "plan", "trial", "upgrade",
    "downgrade", "battery", "charger", "cable", "screen", "laptop", "phone", "headphones", "shoes",
    "jacket", "shirt", "dress", "sofa", "lamp", "kettle", "blender", "mattress", "pillow", "towel",
    "stock", "restock", "preorder", "backorder", "price", "match", "promotion", "sale", "bundle"};
const std::vector<std::string> kEnVerbs = {"cancel", "change", "track", "return", "exchange", "pay",
                                           "update", "reset", "download", "redeem", "apply", "check",
                                           "replace", "renew", "close", "open", "find", "use"};
const std::vector<std::string> kHansWords = {
    "订单", "退款", "退货", "运费", "快递", "物流", "包裹", "发票", "收据", "付款", "银行卡", "信用卡",
    "优惠券", "折扣", "账号", "密码", "邮箱", "手机号", "地址", "会员", "积分", "取消", "修改", "更新",
    "换货", "尺码", "颜色", "保修", "维修", "损坏", "缺件", "延迟", "加急", "国际", "海关", "税费",
    "手续费", "扣款", "重复", "待处理", "失败", "拒绝", "转账", "钱包", "礼品", "包装", "门店", "自提",
    "快递柜", "标签", "软件", "通知", "语言", "设置", "登录", "验证码", "安全", "资料", "订阅", "续费",
    "套餐", "试用", "升级", "电池", "充电器", "数据线", "屏幕", "电脑", "耳机", "鞋子", "外套", "衬衫",
    "沙发", "台灯", "水壶", "床垫", "枕头", "毛巾", "库存", "预售", "价格", "促销", "活动", "组合"};
const std::vector<std::string> kHansVerbs = {"怎么", "如何", "能不能", "可以", "为什么", "在哪里"};
const std::vector<std::string> kHantWords = {
    "訂單", "退款", "退貨", "運費", "宅配", "物流", "包裹", "發票", "收據", "付款", "金融卡", "信用卡",
    "優惠券", "折扣", "帳號", "密碼", "信箱", "手機號碼", "地址", "會員", "點數", "取消", "修改", "更新",
    "換貨", "尺寸", "顏色", "保固", "維修", "損壞", "缺件", "延遲", "快速到貨", "國際", "海關", "稅金",
    "手續費", "扣款", "重複", "處理中", "失敗", "拒絕", "轉帳", "錢包", "禮品", "包裝", "門市", "超商取貨",
    "智取櫃", "標籤", "軟體", "推播", "語言", "設定", "登入", "驗證碼", "安全", "個人資料", "訂閱", "續約",
    "方案", "試用", "升級", "電池", "充電器", "傳輸線", "螢幕", "筆電", "耳機", "鞋子", "外套", "襯衫",
    "沙發", "檯燈", "水壺", "床墊", "枕頭", "毛巾", "庫存", "預購", "價格", "促銷", "活動", "組合"};
const std::vector<std::string> kHantVerbs = {"怎麼", "如何", "能不能", "可以", "為什麼", "在哪裡"};

struct Lang {
  Locale locale;
  const std::vector<std::string>* words;
  const std::vector<std::string>* verbs;
  const char* separator;
};

const Lang kLangs[] = {{Locale::kZhHans, &kHansWords, &kHansVerbs, ""},
                       {Locale::kZhHant, &kHantWords, &kHantVerbs, ""},
                       {Locale::kEn, &kEnWords, &kEnVerbs, " "}};

std::string Join(const std::vector<std::string>& words, const char* separator) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += separator;
    out += w;
  }
  return out;
}

}  // namespace

BenchCorpus GenerateCorpus(size_t entries, size_t queries, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](const std::vector<std::string>& list) -> const std::string& {
    return list[rng() % list.size()];
  };
  BenchCorpus corpus;
  std::vector<std::vector<std::string>> title_words;  // per entry, for queries
  for (size_t i = 0; i < entries; ++i) {
    const Lang& lang = kLangs[i % 3];
    Entry e;
    e.id = "bench-" + std::to_string(i);
    e.locale = lang.locale;
    // A title of a verb and three to four topic words: specific enough to tell entries apart.
    std::vector<std::string> words = {pick(*lang.verbs)};
    size_t topic = 3 + rng() % 2;
    for (size_t k = 0; k < topic; ++k) words.push_back(pick(*lang.words));
    e.title = Join(words, lang.separator);
    for (int q = 0; q < 3; ++q) {
      std::vector<std::string> variant(words.begin() + 1, words.end());
      std::shuffle(variant.begin(), variant.end(), rng);
      variant.push_back(pick(*lang.words));
      e.questions.push_back(Join(variant, lang.separator));
    }
    std::vector<std::string> body;
    size_t length = 50 + rng() % 351;
    for (size_t k = 0; k < length; ++k) body.push_back(k % 7 == 0 ? pick(*lang.verbs) : pick(*lang.words));
    e.body = Join(body, lang.separator);
    title_words.push_back(std::move(words));
    corpus.entries.push_back(std::move(e));
  }
  for (size_t i = 0; i < queries && entries > 0; ++i) {
    size_t target = rng() % entries;
    const Lang& lang = kLangs[target % 3];
    std::vector<std::string> words(title_words[target].begin() + 1, title_words[target].end());
    std::shuffle(words.begin(), words.end(), rng);
    words.resize(std::max<size_t>(2, words.size() - 1));  // customers leave words out
    words.push_back(pick(*lang.verbs));
    corpus.queries.push_back({Join(words, lang.separator), lang.locale, corpus.entries[target].id});
  }
  return corpus;
}

}  // namespace kefu::bench
