//! `miwake serve` over real HTTP: security headers and CSP, Host/Origin refusal (DNS
//! rebinding), CSRF, the upload limit, escaping of hostile messages, and the JSON API.

mod serve_support;

use serve_support::{multipart, Response, Server};

const SCAM_JA: &str = "いつもありがとうございます。星5レビューを書いていただければAmazonギフト券1000円分をプレゼントします。24時間以内にLINEで連絡してください。";

fn demo_eml() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/demo/scam-gift-card-review.eml"
    );
    std::fs::read(path).expect("demo e-mail")
}

fn assert_security_headers(r: &Response, what: &str) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"));
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for required in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            directives.contains(&required),
            "{what}: CSP lacks {required}: {csp}"
        );
    }
    for loose in [
        "unsafe-inline",
        "unsafe-eval",
        "http:",
        "https:",
        "data:",
        "*",
    ] {
        assert!(!csp.contains(loose), "{what}: CSP allows {loose}: {csp}");
    }
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
}

/// Posts the check form (with the page's token) and follows the redirect to the result page.
fn check_via_form(server: &Server, fields: &[(&str, &str, &[u8])]) -> Response {
    let token = server.token();
    let mut all: Vec<(&str, &str, &[u8])> = vec![("csrf", "", token.as_bytes())];
    all.extend_from_slice(fields);
    let (content_type, body) = multipart(&all);
    let origin = server.origin();
    let posted = server.send(
        "POST",
        "/check",
        &[
            ("Host", &server.host()),
            ("Origin", &origin),
            ("Content-Type", &content_type),
        ],
        &body,
    );
    assert_eq!(posted.status, 303, "{}", posted.text());
    let location = posted.header("location").expect("redirect").to_string();
    assert!(location.starts_with("/result/"), "{location}");
    server.get(&location)
}

#[test]
fn every_response_carries_the_security_headers() {
    let server = Server::start();
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/html"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert_security_headers(&page, "GET /");
    for path in [
        "/static/app.js",
        "/static/app.css",
        "/api/v1/token",
        "/api/v1/openapi.json",
        "/url",
        "/history",
        "/nope",
    ] {
        assert_security_headers(&server.get(path), path);
    }
    let refused = server.send("GET", "/", &[("Host", "evil.example")], b"");
    assert_security_headers(&refused, "a refusal");
    let js = server.get("/static/app.js");
    assert!(js
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/javascript"));
    assert_eq!(server.get("/nope").status, 404);
}

#[test]
fn the_page_has_no_inline_script_and_no_remote_origin() {
    let server = Server::start();
    for path in [
        "/",
        "/url?u=https://amazon-co-jp.shop/login",
        "/history",
        "/?lang=en",
    ] {
        let html = server.get(path).text();
        for (i, _) in html.match_indices("<script") {
            let tag = &html[i..html[i..].find('>').map_or(html.len(), |e| i + e)];
            assert!(
                tag.contains("src=\"/static/"),
                "{path}: inline or remote script: {tag}"
            );
        }
        assert!(!html.contains(" style="), "{path}: inline style");
        assert!(!html.contains("src=\"http"), "{path}: remote source");
        assert!(!html.contains("href=\"http"), "{path}: remote link");
    }
}

#[test]
fn requests_for_another_host_are_refused() {
    let server = Server::start();
    let port = server.port;
    for host in [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("127.0.0.1.evil.example:{port}"),
    ] {
        let r = server.send("GET", "/", &[("Host", &host)], b"");
        assert_eq!(r.status, 421, "Host {host}: {}", r.text());
        assert!(!r.text().contains("csrf-token"), "Host {host} got the page");
        let api = server.send("GET", "/api/v1/token", &[("Host", &host)], b"");
        assert_eq!(api.status, 421, "Host {host}");
        assert_eq!(api.json()["error"]["code"], "wrong_host");
        assert!(
            !api.text().contains(&server.token()),
            "the token leaked to Host {host}"
        );
    }
    let no_host = server.exchange(b"GET / HTTP/1.0\r\n\r\n");
    assert_ne!(no_host.status, 200, "a request without Host");
    for ok in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        assert_eq!(
            server.send("GET", "/", &[("Host", &ok)], b"").status,
            200,
            "{ok}"
        );
    }
}

#[test]
fn requests_from_another_origin_are_refused() {
    let server = Server::start();
    let token = server.token();
    let host = server.host();
    let body = serde_json::json!({ "message": SCAM_JA }).to_string();
    let from = |origin: &str| {
        server.send(
            "POST",
            "/api/v1/check",
            &[
                ("Host", &host),
                ("Origin", origin),
                ("Content-Type", "application/json"),
                ("X-Miwake-Csrf", &token),
            ],
            body.as_bytes(),
        )
    };
    let foreign = from("http://evil.example");
    assert_eq!(foreign.status, 403);
    assert_eq!(foreign.json()["error"]["code"], "cross_site");
    assert_eq!(
        from("null").status,
        403,
        "Origin: null from an unknown context"
    );
    // Our own form under `Referrer-Policy: no-referrer`: Origin null, but same-origin.
    let own_form = server.send(
        "POST",
        "/api/v1/check",
        &[
            ("Host", &host),
            ("Origin", "null"),
            ("Sec-Fetch-Site", "same-origin"),
            ("Content-Type", "application/json"),
            ("X-Miwake-Csrf", &token),
        ],
        body.as_bytes(),
    );
    assert_eq!(own_form.status, 200);
    assert_eq!(
        from(&format!("http://127.0.0.1:{}", server.port + 1)).status,
        403
    );
    assert_eq!(from(&server.origin()).status, 200);
    let cross_fetch = server.send(
        "POST",
        "/api/v1/check",
        &[
            ("Host", &host),
            ("Sec-Fetch-Site", "cross-site"),
            ("Content-Type", "application/json"),
            ("X-Miwake-Csrf", &token),
        ],
        body.as_bytes(),
    );
    assert_eq!(cross_fetch.status, 403);
}

#[test]
fn state_changing_requests_need_the_csrf_token() {
    let server = Server::start();
    let host = server.host();
    let body = serde_json::json!({ "message": SCAM_JA }).to_string();
    let api = |token: Option<&str>| {
        let mut headers = vec![
            ("Host", host.as_str()),
            ("Content-Type", "application/json"),
        ];
        if let Some(t) = token {
            headers.push(("X-Miwake-Csrf", t));
        }
        server.send("POST", "/api/v1/check", &headers, body.as_bytes())
    };
    let missing = api(None);
    assert_eq!(missing.status, 403);
    assert_eq!(missing.json()["error"]["code"], "csrf");
    assert_eq!(api(Some("00000000000000000000000000000000")).status, 403);
    assert_eq!(api(Some(&server.token())).status, 200);

    // The HTML form: no token, or a wrong one, is refused with a page saying why.
    for fields in [
        vec![("text", "", SCAM_JA.as_bytes())],
        vec![
            ("csrf", "", &b"wrong"[..]),
            ("text", "", SCAM_JA.as_bytes()),
        ],
    ] {
        let (content_type, body) = multipart(&fields);
        let r = server.send(
            "POST",
            "/check",
            &[("Host", &host), ("Content-Type", &content_type)],
            &body,
        );
        assert_eq!(r.status, 403, "{}", r.text());
        assert!(r.text().contains("トークン"), "{}", r.text());
        assert!(r.header("location").is_none());
    }
    // The page hands the same token to its forms.
    let page = server.get("/").text();
    assert!(page.contains(&format!("name=\"csrf\" value=\"{}\"", server.token())));
}

#[test]
fn uploads_over_the_limit_get_a_clear_error() {
    let server = Server::start();
    let host = server.host();
    let token = server.token();
    let declared = server.send(
        "POST",
        "/api/v1/check",
        &[
            ("Host", &host),
            ("X-Miwake-Csrf", &token),
            ("Content-Type", "message/rfc822"),
            ("Content-Length", "50000000"),
        ],
        b"",
    );
    assert_eq!(declared.status, 413);
    let error = declared.json();
    assert_eq!(error["error"]["code"], "too_large");
    assert!(error["error"]["message"]["en"]
        .as_str()
        .unwrap()
        .contains("10 MB"));
    assert!(error["error"]["message"]["ja"]
        .as_str()
        .unwrap()
        .contains("10 MB"));

    // A chunked body declares no length: it is stopped once it passes the limit.
    let mut request = format!(
        "POST /api/v1/check HTTP/1.1\r\nHost: {host}\r\nX-Miwake-Csrf: {token}\r\n\
         Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    let chunk = vec![b'a'; 1024 * 1024];
    for _ in 0..11 {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(&chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let chunked = server.exchange(&request);
    assert_eq!(chunked.status, 413, "{}", chunked.text());
    assert_eq!(chunked.json()["error"]["code"], "too_large");

    // The form gets a page in both languages.
    let (content_type, _) = multipart(&[]);
    let form = server.send(
        "POST",
        "/check",
        &[
            ("Host", &host),
            ("Content-Type", &content_type),
            ("Content-Length", "50000000"),
        ],
        b"",
    );
    assert_eq!(form.status, 413);
    let text = form.text();
    assert!(
        text.contains("大きすぎます") && text.contains("Too large"),
        "{text}"
    );
}

#[test]
fn pasted_scam_gets_a_danger_banner_with_highlighted_evidence() {
    let server = Server::start();
    let page = check_via_form(
        &server,
        &[("lang", "", b"ja"), ("text", "", SCAM_JA.as_bytes())],
    );
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("class=\"banner banner-danger\""), "{html}");
    assert!(html.contains(">危険</h1>"));
    assert!(html.contains("<mark class=\"ev"), "no highlight: {html}");
    assert!(html.contains("LINEで連絡</mark>"), "{html}");
    assert!(html.contains("reportascam@amazon.com"));

    let english = check_via_form(
        &server,
        &[("lang", "", b"en"), ("text", "", SCAM_JA.as_bytes())],
    );
    let html = english.text();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains(">danger</h1>"), "{html}");
}

#[test]
fn an_eml_upload_shows_sender_links_and_replies() {
    let server = Server::start();
    let eml = demo_eml();
    let page = check_via_form(&server, &[("lang", "", b"ja"), ("file", "demo.eml", &eml)]);
    let html = page.text();
    assert!(html.contains("banner-danger"), "{html}");
    // The visible link text and the real domain, as text, never as a link.
    assert!(html.contains("review-gift.top"), "{html}");
    assert!(html.contains("badge-suspicious"));
    assert!(
        !html.contains("href=\"http://amaz0n"),
        "a message link is clickable"
    );
    assert!(
        html.contains("support@amazon-co-jp-service.top"),
        "sender shown"
    );
    assert!(
        html.contains("refund.desk.2024@gmail.com"),
        "reply-to shown"
    );
}

#[test]
fn hostile_message_text_is_escaped_never_markup() {
    let server = Server::start();
    let hostile = "星5レビューでギフト券<script>window.__pwned=1</script>\
        <img src=x onerror=\"window.__pwned=2\"><a href=\"javascript:window.__pwned=3\">click</a>\
        <iframe src=\"https://evil.example/\"></iframe>\" onmouseover=\"alert(1)";
    let page = check_via_form(&server, &[("text", "", hostile.as_bytes())]);
    let html = page.text();
    assert!(
        !html.contains("<script>window"),
        "script tag passed through"
    );
    assert!(!html.contains("<img"), "img tag passed through");
    assert!(
        !html.contains("<a href=\"javascript"),
        "javascript: link passed through"
    );
    assert!(!html.contains("<iframe"), "iframe passed through");
    assert!(!html.contains("\" onmouseover"), "attribute break-out");
    assert!(
        html.contains("&lt;script&gt;window.__pwned=1&lt;"),
        "{html}"
    );

    // An HTML e-mail: its markup is never rendered, remote images never referenced.
    let eml =
        "From: shop@example.com\r\nSubject: hi\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
        <html><body><p>Hello <b>there</b></p><img src=\"https://tracker.example/pixel.gif\">\
        <script>window.__pwned=4</script><a href=\"javascript:alert(1)\">open</a></body></html>";
    let page = check_via_form(&server, &[("file", "x.eml", eml.as_bytes())]);
    let html = page.text();
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<b>there"), "{html}");
    assert!(!html.contains("src=\"https://tracker"), "{html}");
    assert!(!html.contains("<script>window"), "{html}");
}

#[test]
fn json_api_checks_messages_and_urls() {
    let server = Server::start();
    let json = serde_json::json!({ "message": SCAM_JA }).to_string();
    let r = server.api_post("/api/v1/check", "application/json", json.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r
        .header("content-type")
        .unwrap_or("")
        .starts_with("application/json"));
    let report = r.json();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["verdict"]["level"], "danger");
    assert_eq!(report["message"]["kind"], "plain_text");

    let raw = server.api_post("/api/v1/check", "message/rfc822", &demo_eml());
    let report = raw.json();
    assert_eq!(report["verdict"]["level"], "danger");
    assert_eq!(report["message"]["kind"], "email");
    assert_eq!(report["claimed_brand"], "amazon");

    let url = serde_json::json!({ "url": "https://www.amazon.co.jp/gp/css/order-history" });
    let genuine = server.api_post(
        "/api/v1/url",
        "application/json",
        url.to_string().as_bytes(),
    );
    let report = genuine.json();
    assert_eq!(report["verdict"]["level"], "safe", "{report}");
    assert_eq!(report["links"][0]["registrable_domain"], "amazon.co.jp");
    assert_eq!(report["links"][0]["owner"], "amazon");
    let fake = serde_json::json!({ "url": "https://amazon-co-jp.shop/login" }).to_string();
    let report = server
        .api_post("/api/v1/url", "application/json", fake.as_bytes())
        .json();
    assert_ne!(report["verdict"]["level"], "safe", "{report}");

    let bad = server.api_post("/api/v1/check", "application/json", b"{\"msg\": 1}");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["code"], "bad_request");
    let empty = server.api_post("/api/v1/check", "text/plain", b"  \n");
    assert_eq!(empty.status, 400);
    assert_eq!(empty.json()["error"]["code"], "empty");

    let openapi = server.get("/api/v1/openapi.json").json();
    assert_eq!(openapi["openapi"], "3.1.0");
    for path in [
        "/api/v1/check",
        "/api/v1/url",
        "/api/v1/token",
        "/api/v1/replies",
        "/api/v1/report",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path} not documented");
    }
}

#[test]
fn url_page_and_expired_results() {
    let server = Server::start();
    let page = server.get("/url?u=https%3A%2F%2Famazon-co-jp.shop%2Flogin&lang=en");
    let html = page.text();
    assert!(html.contains("amazon-co-jp.shop"), "{html}");
    assert!(html.contains("badge-suspicious"), "{html}");
    assert!(!html.contains("href=\"https://amazon-co-jp"), "{html}");
    let gone = server.get("/result/0123456789abcdef0123456789abcdef");
    assert_eq!(gone.status, 404);
    assert!(gone.text().contains("もう一度"), "{}", gone.text());
}

#[test]
fn report_download_and_replies() {
    let server = Server::start();
    let eml = demo_eml();
    let token = server.token();
    let (content_type, body) =
        multipart(&[("csrf", "", token.as_bytes()), ("file", "demo.eml", &eml)]);
    let posted = server.send(
        "POST",
        "/check",
        &[("Host", &server.host()), ("Content-Type", &content_type)],
        &body,
    );
    let location = posted.header("location").expect("redirect").to_string();
    let id_path = location.split('?').next().unwrap().to_string();
    let page = server.get(&location).text();
    assert!(
        page.contains(&format!("href=\"{id_path}/report.eml?lang=ja\"")),
        "{page}"
    );

    let download = server.get(&format!("{id_path}/report.eml?lang=en"));
    assert_eq!(download.status, 200);
    assert_eq!(download.header("content-type"), Some("message/rfc822"));
    let disposition = download.header("content-disposition").unwrap_or("");
    assert!(
        disposition.starts_with("attachment; filename=\"miwake-report-"),
        "{disposition}"
    );
    assert!(disposition.ends_with(".eml\""), "{disposition}");
    let text = download.text();
    assert!(text.contains("To: reportascam@amazon.com"), "{text}");
    assert!(
        text.contains("Content-Type: message/rfc822"),
        "original attached"
    );

    // Replies refilled with the user's values; unsafe values are refused with a reason.
    let refilled = server.get(&format!("{id_path}?lang=ja&order=250-1111111-2222222"));
    assert!(refilled.text().contains("value=\"250-1111111-2222222\""));
    let refused = server.get(&format!("{id_path}?lang=en&item=call+090-1234-5678"));
    let html = refused.text();
    assert!(html.contains("cannot be used"), "{html}");
    assert!(!html.contains(">call 090"), "{html}");

    // The same through the API.
    let json = serde_json::json!({
        "message": "注文番号 250-3918274-6630211 の商品がまだ届きません。到着予定日を過ぎています。",
        "lang": "en",
    });
    let replies = server
        .api_post(
            "/api/v1/replies",
            "application/json",
            json.to_string().as_bytes(),
        )
        .json();
    let texts: Vec<&str> = replies["replies"]
        .as_array()
        .expect("replies")
        .iter()
        .filter_map(|r| r["text"].as_str())
        .collect();
    assert!(!texts.is_empty(), "{replies}");
    assert!(
        texts.iter().any(|t| t.contains("250-3918274-6630211")),
        "{texts:?}"
    );
    let bad = serde_json::json!({ "message": "届きません", "values": { "item": "https://evil.example" } });
    let refused = server.api_post(
        "/api/v1/replies",
        "application/json",
        bad.to_string().as_bytes(),
    );
    assert_eq!(refused.status, 400, "{}", refused.text());

    let report = server.api_post("/api/v1/report?lang=ja", "message/rfc822", &eml);
    assert_eq!(report.status, 200);
    assert_eq!(report.header("content-type"), Some("message/rfc822"));
    assert!(report.text().contains("To: reportascam@amazon.com"));
}

#[test]
fn history_saves_by_order_and_exports() {
    let server = Server::start();
    let token = server.token();
    let host = server.host();
    let message =
        "注文番号 250-1234567-7654321 の商品についてです。配送が遅れており申し訳ありません。";
    let (content_type, body) = multipart(&[
        ("csrf", "", token.as_bytes()),
        ("text", "", message.as_bytes()),
    ]);
    let posted = server.send(
        "POST",
        "/check",
        &[("Host", &host), ("Content-Type", &content_type)],
        &body,
    );
    let location = posted.header("location").expect("redirect").to_string();
    let id = location
        .trim_start_matches("/result/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let page = server.get(&location).text();
    assert!(page.contains("action=\"/history/save\""), "{page}");

    let save = |fields: &str| {
        server.send(
            "POST",
            "/history/save",
            &[
                ("Host", &host),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            fields.as_bytes(),
        )
    };
    let refused = save(&format!("id={id}&action=replied&template=T1"));
    assert_eq!(refused.status, 403, "saving without the token");
    assert!(!server.database.exists() || server.get("/history").text().contains("まだ何も"));

    let saved = save(&format!(
        "csrf={token}&id={id}&action=replied&template=T1&lang=ja"
    ));
    assert_eq!(saved.status, 303, "{}", saved.text());
    let timeline_at = saved.header("location").unwrap().to_string();
    assert!(
        timeline_at.starts_with("/history/order/250-1234567-7654321"),
        "{timeline_at}"
    );
    let timeline = server.get(&timeline_at).text();
    assert!(timeline.contains("follow-waiting waiting"), "{timeline}");
    assert!(timeline.contains("返信した (T1)"), "{timeline}");

    let overview = server.get("/history").text();
    assert!(overview.contains("class=\"order waiting\""), "{overview}");
    assert!(
        overview.contains("出品者の返事を待っている注文: 1"),
        "{overview}"
    );

    let export = server.get("/history/order/250-1234567-7654321/export.zip");
    assert_eq!(export.status, 200);
    assert_eq!(export.header("content-type"), Some("application/zip"));
    assert!(export.body.starts_with(b"PK"), "not a zip");
    assert_eq!(server.get("/history/order/not-an-order").status, 404);
    assert_eq!(server.get("/history/order/250-0000000-0000000").status, 404);
}

#[test]
fn without_history_the_screens_say_so() {
    let server = Server::start_with_args(env!("CARGO_BIN_EXE_miwake"), &["--no-history"]);
    let history = server.get("/history");
    assert_eq!(history.status, 200);
    assert!(
        history.text().contains("class=\"unavailable\""),
        "{}",
        history.text()
    );
    let page = check_via_form(&server, &[("text", "", SCAM_JA.as_bytes())]).text();
    assert!(
        !page.contains("action=\"/history/save\""),
        "save offered without history"
    );
    assert!(page.contains("履歴(証拠の記録)を使えません"), "{page}");
    let token = server.token();
    let refused = server.send(
        "POST",
        "/history/save",
        &[
            ("Host", &server.host()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        format!("csrf={token}&id=0").as_bytes(),
    );
    assert_ne!(refused.status, 303);
    assert!(
        !server.database.exists(),
        "a database was created with --no-history"
    );
}
