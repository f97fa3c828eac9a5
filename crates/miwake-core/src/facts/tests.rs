use std::sync::OnceLock;

use super::*;

/// Text of up to `max` pieces drawn from `tokens`: input dense in what a pattern looks for.
pub(super) fn token_text(
    tokens: &'static [&'static str],
    max: usize,
) -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::strategy::Strategy;
    proptest::collection::vec(proptest::sample::select(tokens), 0..max)
        .prop_map(|parts| parts.concat())
}

fn extractor() -> &'static FactExtractor {
    static EX: OnceLock<FactExtractor> = OnceLock::new();
    EX.get_or_init(FactExtractor::new)
}

fn facts(s: &str) -> Facts {
    extractor().extract(&NormalizedText::new(s))
}

fn values(found: &[Found]) -> Vec<&str> {
    found.iter().map(|f| f.value.as_str()).collect()
}

fn urls(s: &str) -> Vec<String> {
    facts(s).urls.into_iter().map(|u| u.url).collect()
}

fn trackings(s: &str) -> Vec<(String, Carrier)> {
    facts(s)
        .tracking_numbers
        .into_iter()
        .map(|t| (t.number, t.carrier))
        .collect()
}

#[test]
fn all_patterns_compile() {
    let _ = FactExtractor::new();
}

#[test]
fn empty_and_plain_text_have_no_facts() {
    let f = facts("");
    assert!(f.urls.is_empty() && f.phones.is_empty() && f.dates.is_empty());
    let f = facts("Thank you for your purchase. ご購入ありがとうございました。");
    assert!(f.order_numbers.is_empty() && f.urls.is_empty() && f.gift_cards.is_empty());
    assert!(f.deadlines.is_empty() && f.messengers.is_empty() && f.amounts.is_empty());
}

#[test]
fn order_numbers() {
    let f = facts("ご注文番号：２４９－１２３４５６７－７６５４３２１ の商品");
    assert_eq!(values(&f.order_numbers), ["249-1234567-7654321"]);
    assert!(f.phones.is_empty() && f.tracking_numbers.is_empty());
    let f = facts("Order #111-2223334-5556667 and digital order D01-1234567-7654321.");
    assert_eq!(
        values(&f.order_numbers),
        ["111-2223334-5556667", "D01-1234567-7654321"]
    );
    let f = facts("注文番号 503 - 1234567 - 1234567");
    assert_eq!(values(&f.order_numbers), ["503-1234567-1234567"]);
    assert!(facts("1111-2223334-5556667").order_numbers.is_empty());
}

#[test]
fn order_number_spans_are_normalised_spans() {
    let n = NormalizedText::new("注文 ２４９－１２３４５６７－７６５４３２１");
    let f = extractor().extract(&n);
    let span = f.order_numbers[0].span;
    assert_eq!(&n.text[span.start..span.end], "249-1234567-7654321");
}

#[test]
fn tracking_japanese_carriers() {
    assert_eq!(
        trackings("ヤマト運輸 お問い合わせ伝票番号：1234-5678-9012"),
        [("123456789012".to_string(), Carrier::Yamato)]
    );
    assert_eq!(
        trackings("佐川急便でお届けします。問い合わせ番号 123456789012"),
        [("123456789012".to_string(), Carrier::Sagawa)]
    );
    assert_eq!(
        trackings("日本郵便 ゆうパック お問い合わせ番号 1234-5678-901"),
        [("12345678901".to_string(), Carrier::JapanPost)]
    );
    assert_eq!(
        trackings("国際郵便 EJ123456789JP を発送"),
        [("EJ123456789JP".to_string(), Carrier::JapanPost)]
    );
}

#[test]
fn tracking_shaped_numbers() {
    assert_eq!(
        trackings("配送業者: Amazon 追跡ID: TBA123456789012"),
        [("TBA123456789012".to_string(), Carrier::AmazonLogistics)]
    );
    assert_eq!(
        trackings("UPS 1Z999AA10123456784 shipped"),
        [("1Z999AA10123456784".to_string(), Carrier::Ups)]
    );
    assert_eq!(
        trackings("USPS 9400 1000 0000 0000 0000 00"),
        [("9400100000000000000000".to_string(), Carrier::Usps)]
    );
    assert_eq!(
        trackings("label 9205590164917312345678"),
        [("9205590164917312345678".to_string(), Carrier::Usps)]
    );
}

#[test]
fn tracking_english_carriers_and_unknown() {
    assert_eq!(
        trackings("Your FedEx tracking number is 123456789012."),
        [("123456789012".to_string(), Carrier::Fedex)]
    );
    assert_eq!(
        trackings("DHL Express waybill 1234567890"),
        [("1234567890".to_string(), Carrier::Dhl)]
    );
    assert_eq!(
        trackings("Tracking number: 5555666677778888"),
        [("5555666677778888".to_string(), Carrier::Unknown)]
    );
    assert!(trackings("Reference 123456789012 for your records").is_empty());
}

#[test]
fn tracking_space_groups_do_not_swallow_the_next_number() {
    assert_eq!(
        trackings("クロネコ 伝票番号 1234 5678 9012 2024"),
        [("123456789012".to_string(), Carrier::Yamato)]
    );
}

#[test]
fn order_number_is_not_tracking_or_phone() {
    let f = facts("追跡番号 ヤマト 注文番号 123-4567890-1234567 電話");
    assert_eq!(f.order_numbers.len(), 1);
    assert!(f.tracking_numbers.is_empty());
    assert!(f.phones.is_empty());
}

#[test]
fn urls_with_scheme() {
    assert_eq!(
        urls("ログインはこちら：https://amazon-jp.example.top/login?id=1。"),
        ["https://amazon-jp.example.top/login?id=1"]
    );
    assert_eq!(
        urls("See (https://example.com/a_(b)) and \"http://foo.net/x\"."),
        ["https://example.com/a_(b)", "http://foo.net/x"]
    );
    assert_eq!(
        urls("「https://example.jp/path」"),
        ["https://example.jp/path"]
    );
}

#[test]
fn defanged_urls_are_refanged() {
    let f = facts("hxxps://evil[.]example[.]com/login and h**p://a(.)bc/x and http[:]//x.top");
    let got: Vec<(&str, bool)> = f
        .urls
        .iter()
        .map(|u| (u.url.as_str(), u.defanged))
        .collect();
    assert_eq!(
        got,
        [
            ("https://evil.example.com/login", true),
            ("http://a.bc/x", true),
            ("http://x.top", true)
        ]
    );
    let f = facts("amazon-jp-delivery[.]top/confirm");
    assert_eq!(f.urls[0].url, "http://amazon-jp-delivery.top/confirm");
    assert!(f.urls[0].defanged && f.urls[0].bare);
}

#[test]
fn bare_and_www_urls() {
    let f = facts("Visit www.example.org or amazon-jp-delivery.top/confirm, or example.com.");
    let got: Vec<(&str, bool)> = f.urls.iter().map(|u| (u.url.as_str(), u.bare)).collect();
    assert_eq!(
        got,
        [
            ("http://www.example.org", true),
            ("http://amazon-jp-delivery.top/confirm", true),
            ("http://example.com", true)
        ]
    );
    assert_eq!(
        urls("Ａｍａｚｏｎ．ｃｏ．ｊｐでご確認ください"),
        ["http://amazon.co.jp"]
    );
}

#[test]
fn url_false_positives() {
    assert!(urls("添付の manual.pdf と report.docx をご覧ください").is_empty());
    assert!(urls("version v1.2.3 and 3.14 and e.g. this, i.e. that").is_empty());
    assert!(urls("Mr.Smith wrote node.js code at 10.30").is_empty());
    assert!(urls("mail support@example.com now").is_empty());
    assert!(urls("mail support[at]example[.]com now").is_empty());
}

#[test]
fn emails() {
    let f = facts("連絡先：Support@Example.co.jp または info[at]evil[.]top まで");
    assert_eq!(
        values(&f.emails),
        ["support@example.co.jp", "info@evil.top"]
    );
    let f = facts("write to john.doe+x@mail.example.com.");
    assert_eq!(values(&f.emails), ["john.doe+x@mail.example.com"]);
}

#[test]
fn japanese_phones() {
    let f = facts("お電話 090-1234-5678 または 03-1234-5678、フリーダイヤル 0120-123-456");
    assert_eq!(
        values(&f.phones),
        ["090-1234-5678", "03-1234-5678", "0120-123-456"]
    );
    let f = facts("携帯 09012345678 / 電話 0312345678");
    assert_eq!(values(&f.phones), ["09012345678", "0312345678"]);
    let f = facts("TEL:(03)1234-5678");
    assert_eq!(values(&f.phones), ["(03)1234-5678"]);
}

#[test]
fn international_phones() {
    let f = facts("Call +1 (347) 555-0188 or +81 90-1234-5678 or +447911123456");
    assert_eq!(
        values(&f.phones),
        ["+1 (347) 555-0188", "+81 90-1234-5678", "+447911123456"]
    );
    let f = facts("call (347) 555-0188 today");
    assert_eq!(values(&f.phones), ["(347) 555-0188"]);
}

#[test]
fn phone_false_positives() {
    let f = facts("2024-12-02 に ¥1,000 と 1000円, 注文 123-4567890-1234567, M5×16 ネジ, 123456");
    assert!(f.phones.is_empty(), "{:?}", f.phones);
    assert!(facts("number 0312345678 here").phones.is_empty());
}

#[test]
fn messengers() {
    let f = facts("詳しくはLINE ID：abc123 まで。WhatsApp +1 347 555 0188");
    let got: Vec<(Messenger, &str)> = f
        .messengers
        .iter()
        .map(|m| (m.app, m.id.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Messenger::Line, "abc123"),
            (Messenger::Whatsapp, "+1 347 555 0188")
        ]
    );
    let f = facts("Contact me on Telegram: @fast_refund or t.me/refund_desk");
    let got: Vec<(Messenger, &str)> = f
        .messengers
        .iter()
        .map(|m| (m.app, m.id.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Messenger::Telegram, "@fast_refund"),
            (Messenger::Telegram, "refund_desk")
        ]
    );
    let f = facts("ラインで@shop99を友だち追加してください。WeChat ID: wx_8899");
    let got: Vec<(Messenger, &str)> = f
        .messengers
        .iter()
        .map(|m| (m.app, m.id.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Messenger::Line, "@shop99"),
            (Messenger::Line, ""),
            (Messenger::Wechat, "wx_8899")
        ]
    );
    let f = facts("message me on signal");
    assert_eq!(f.messengers[0].app, Messenger::Signal);
}

#[test]
fn messenger_false_positives() {
    let f = facts("the subject line is empty; signal strength is low; online shopping; line 12");
    assert!(f.messengers.is_empty(), "{:?}", f.messengers);
}

#[test]
fn amounts() {
    let f =
        facts("合計 ¥1,000（税込）、送料 500 円、返金 ５万円、Total $49.99, USD 10, €5.50, £20");
    let got: Vec<(&str, f64)> = f
        .amounts
        .iter()
        .map(|a| (a.currency.as_str(), a.value))
        .collect();
    assert_eq!(
        got,
        [
            ("JPY", 1000.0),
            ("JPY", 500.0),
            ("JPY", 50000.0),
            ("USD", 49.99),
            ("USD", 10.0),
            ("EUR", 5.5),
            ("GBP", 20.0)
        ]
    );
    let f = facts("1,000円分のギフト券と10 dollars");
    let got: Vec<f64> = f.amounts.iter().map(|a| a.value).collect();
    assert_eq!(got, [1000.0, 10.0]);
}

#[test]
fn dates() {
    let f = facts("11月30日まで。12月2日(月)にお届け。2024/12/02、2024-12-02、2024年12月2日、令和6年1月5日、12/3(火)");
    assert_eq!(
        values(&f.dates),
        [
            "11月30日",
            "12月2日",
            "2024/12/02",
            "2024-12-02",
            "2024年12月2日",
            "令和6年1月5日",
            "12/3"
        ]
    );
    let f = facts("Arrives Dec 2. Expires December 2, 2024 or 2 December. Order on Thursday.");
    assert_eq!(
        values(&f.dates),
        ["dec 2", "december 2, 2024", "2 december"]
    );
}

#[test]
fn date_false_positives() {
    let f = facts("In 2024 we sold 1/2 of stock; version 1.2.3; M5×16; 2024-13-45; may 2024");
    assert!(f.dates.is_empty(), "{:?}", f.dates);
}

#[test]
fn deadlines() {
    let f = facts("24時間以内に、または3日以内、本日中、至急ご対応ください。７日以内 30分以内");
    let got: Vec<Option<u32>> = f.deadlines.iter().map(|d| d.hours).collect();
    assert_eq!(
        got,
        [Some(24), Some(72), Some(24), None, Some(168), Some(1)]
    );
    let f =
        facts("Respond within 24 hours or within 3 days, in 12 hours, by end of day, immediately.");
    let got: Vec<Option<u32>> = f.deadlines.iter().map(|d| d.hours).collect();
    assert_eq!(got, [Some(24), Some(72), Some(12), Some(24), None]);
    assert!(facts("within the store, in stock").deadlines.is_empty());
}

#[test]
fn gift_cards() {
    let f = facts("Amazonギフト券 5,000円分とiTunesカード、Google Play ギフトカード、PayPayポイント、QUOカード、電子マネー");
    assert_eq!(
        values(&f.gift_cards),
        [
            "amazonギフト券",
            "itunesカード",
            "google play ギフトカード",
            "paypayポイント",
            "quoカード",
            "電子マネー"
        ]
    );
    let f = facts("Please buy an Apple gift card and a Steam gift voucher; earn 500 points.");
    assert_eq!(
        values(&f.gift_cards),
        ["apple gift card", "steam gift voucher", "500 points"]
    );
    assert!(facts("key points of the gift").gift_cards.is_empty());
}

#[test]
fn caps_limit_output() {
    let text = "https://a.example.com/ ".repeat(500);
    let f = facts(&text);
    assert!(f.urls.len() <= MAX_PER_KIND);
    let text = "090-1234-5678 ".repeat(500);
    assert!(facts(&text).phones.len() <= MAX_PER_KIND);
}

#[test]
fn hostile_inputs_do_not_panic() {
    for s in [
        "a.".repeat(10_000),
        "1-".repeat(10_000),
        "[.]".repeat(5_000),
        "http://".repeat(3_000),
        "line id: ".repeat(3_000),
        "¥".repeat(3_000),
        "0".repeat(50_000),
    ] {
        let _ = facts(&s);
    }
}
