use proptest::prelude::*;

use html5gum::{naive_next_state, State};

use super::super::{convert_with_html5gum, entities, Converter, HtmlText, Tag};
use super::{
    attribute_name_len, convert, is, len_until, mode_after, Mode, Unsupported, ATTRIBUTE_NAME_END,
    TAG_NAME_END, UNQUOTED_VALUE_END,
};

/// The fast tokenizer's result (`None` if it gives up) and html5gum's.
fn both(html: &str, max_text: usize, max_links: usize) -> (Option<HtmlText>, HtmlText) {
    let mut conv = Converter::new(max_text, max_links);
    let fast = convert(html, &mut conv).ok().map(|()| conv.finish());
    let mut conv = Converter::new(max_text, max_links);
    convert_with_html5gum(html, &mut conv);
    (fast, conv.finish())
}

fn render(h: &HtmlText) -> String {
    format!("{:?} {} {:?}", h.text, h.truncated, h.links)
}

/// Asserts that the fast tokenizer handles `html`, exactly like html5gum.
fn assert_fast_and_same(html: &str) {
    let (fast, slow) = both(html, 1 << 20, 100);
    let fast = fast.unwrap_or_else(|| panic!("fast path gave up on {html:?}"));
    assert_eq!(render(&fast), render(&slow), "{html:?}");
}

fn gives_up(html: &str) -> bool {
    let mut conv = Converter::new(1 << 20, 100);
    convert(html, &mut conv) == Err(Unsupported)
}

fn html5gum_mode_after(name: &[u8]) -> Mode {
    match naive_next_state(name) {
        None | Some(State::Data | State::CdataSection) => Mode::Data,
        Some(State::RcData) => Mode::RcData,
        Some(State::RawText) => Mode::RawText,
        Some(State::ScriptData) => Mode::ScriptData,
        Some(State::PlainText) => Mode::PlainText,
    }
}

#[test]
fn states_after_start_tags_are_html5gums() {
    for name in [
        "textarea",
        "title",
        "plaintext",
        "script",
        "style",
        "iframe",
        "xmp",
        "noembed",
        "noframe",
        "noframes",
        "noscript",
        "a",
        "p",
        "scripts",
        "titl",
        "",
        "textareatextarea",
    ] {
        assert_eq!(
            mode_after(Tag::of(name.as_bytes())),
            html5gum_mode_after(name.as_bytes()),
            "{name}"
        );
    }
}

#[test]
fn tags_attributes_and_text() {
    for html in [
        "<p>Hello <b>world</b></p><br/>x",
        r#"<a href="https://a.example/x?a=1&amp;b=2">go</a>"#,
        "<a href='https://a.example/'>single</a><a href=https://b.example/>bare</a>",
        "<a\r\nhref =\r\n \"https://a.example/\r\nx\" >t</a>",
        "<img alt=\"A\r\nB\"><area href=x alt=\" a\r\nb \">",
        "<a href=x/>self</a><a/href=y>slash</a><a / href=z>spaced</a>",
        "<a =href=x href=y>eq</a><a ==x href=y>eq2</a>",
        "<a href=\"x\"href='y'>glued</a><a href>empty</a><a href=>empty2</a>",
        "<A HREF=\"https://UPPER.example/\">Up</A><DIV>d</DIV>",
        "<a href=x title=\">\">quoted gt</a></a title=\">\">after",
        "a < b > c <3 <\u{e9} </> </3 x> </ >tail",
        "<p>trailing <",
        "<p>trailing </",
        "<p>trailing <a href=x",
        "<p>trailing <a href=\"x>",
        "</p foo=\"bar\"><form action=\"https://f.example/\">",
    ] {
        assert_fast_and_same(html);
    }
}

#[test]
fn comments_doctypes_and_bogus_comments() {
    for html in [
        "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0\" \"x>y\">a",
        "a<!---->b<!-->c<!--->d<!-- x -- y -->e<!-- z --!>f",
        "a<!-- <!-- nested --> b<!-- <!--> c<!--<!-->d",
        "a<!- bogus>b<!>c<![CDATA[x]]>d<?xml version=1?>e</ bogus>f",
        "a<!-- unterminated <a href=x>x</a>",
        "a<!doctype",
    ] {
        assert_fast_and_same(html);
    }
}

#[test]
fn raw_text_elements() {
    for html in [
        "<style>a<b>{}</STYLE >x</style>y",
        "<style>p{}</styles></style\r\n>z",
        "<title>T &amp; <b></title>t",
        "<textarea>a &amp; <b> &lt;</textarea>t",
        "<xmp><b>&amp;</xmp>t",
        "<script>if (a<b) x='</scr'+'ipt>';</script>s",
        "<script>a<!-b</script>c",
        "<noscript><a href=x>n</a></noscript>y",
        "<iframe src=x><a href=y>i</a></iframe>z<noembed>e</noembed>",
        "<noframes><a href=x>n</a></noframes>",
        "<style/>hidden</style>shown",
        "<plaintext><a href=x>plain</a> &amp;",
        "<style>unterminated</sty",
        "<xmp>unterminated</xmp",
        "<head><title>t</title><meta x=y><div>v</div>",
    ] {
        assert_fast_and_same(html);
    }
}

#[test]
fn character_references() {
    for html in [
        "&amp;&lt;&gt;&quot;&nbsp;&apos;&copy;&eacute;&zwnj;&hellip;",
        "&amp &lt3 &copyright &notit &para=1 &AMP &Eacute",
        "&#39;&#x27;&#X41;&#65&#x41x&#;&#x;&#xg;&#0;&#128;&#x9F;&#x81;&#13;&#xD800;",
        "&#x110000;&#99999999999999;&#xFFFE;&#1;&#x7f;",
        "& &; &a; &1 &#",
        "<a href=\"?a=1&param=2&para;&copy=3&copyx&notin&amp\" alt='&lt&lt;&#62'>l</a>",
        "<a href=?x=1&amp=2&ampx>u</a><img alt=&eacute&eacute=>",
    ] {
        assert_fast_and_same(html);
    }
}

#[test]
fn gives_up_outside_the_subset() {
    assert!(gives_up("<p>&foo;</p>"));
    assert!(gives_up("<p>&NotATableName;</p>"));
    assert!(gives_up("<a href=\"&unknownname;\">x</a>"));
    assert!(gives_up("a\0b"));
    assert!(gives_up("<script><!-- x --></script>"));
    // Where the value or text is not used, the reference does not matter.
    assert!(!gives_up(
        "<style>&foo;</style><img src=\"&foo;\"><a class=&foo;>"
    ));
    assert!(!gives_up("<head>&foo;</head>"));
}

#[test]
fn every_table_entry_decodes_like_html5gum() {
    for (name, _) in entities::all() {
        let name = String::from_utf8_lossy(name);
        for html in [
            format!("<p>&{name}</p>"),
            format!("<p>&{name}x &{name}= &{name}1</p>"),
            format!("<a href=\"&{name}\" alt='&{name}x'>a</a>"),
            format!("<a href=\"&{name}=\" alt=&{name}>a</a>"),
            format!("<a href=\"&{name};\" alt=&{name}1>a</a>"),
        ] {
            if !gives_up(&html) {
                assert_fast_and_same(&html);
            }
        }
    }
}

#[test]
fn table_is_sorted_and_legacy_names_have_semicolon_forms() {
    let names: Vec<&[u8]> = entities::all().iter().map(|(n, _)| *n).collect();
    assert!(names.windows(2).all(|w| w[0] < w[1]));
    assert!(names
        .iter()
        .all(|n| (1..=8).contains(&n.len()) && !n.contains(&0)));
    assert!(entities::keys().windows(2).all(|w| w[0] < w[1]));
    for (name, value) in entities::all() {
        assert_eq!(entities::lookup(name), Some(*value));
    }
    for absent in [
        &b""[..],
        b"amp;x",
        b"nbspnbsp;",
        b"ampamp",
        b"zzz;",
        b"a",
        b"AMp;",
    ] {
        assert_eq!(entities::lookup(absent), None);
    }
    for name in names.iter().filter(|n| !n.ends_with(b";")) {
        assert!(names.contains(&[*name, b";"].concat().as_slice()));
    }
}

/// Compares both paths on every `.html` file in `$MIWAKE_HTML_DIR` (e.g. HTML parts dumped from
/// a corpus) and prints how many the fast path handles.
#[test]
#[ignore = "needs MIWAKE_HTML_DIR"]
fn html_dir_matches_html5gum() {
    let dir = std::env::var("MIWAKE_HTML_DIR").expect("MIWAKE_HTML_DIR");
    let (mut files, mut bytes, mut fast_files, mut fast_bytes) = (0, 0, 0, 0);
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("dir").flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let html = std::fs::read_to_string(entry.path()).expect("utf-8");
        let (fast, slow) = both(&html, 1 << 20, 1000);
        files += 1;
        bytes += html.len();
        if let Some(fast) = fast {
            fast_files += 1;
            fast_bytes += html.len();
            assert_eq!(render(&fast), render(&slow), "{:?}", entry.path());
        } else {
            println!("gave up: {:?}", entry.path());
        }
    }
    println!("fast path: {fast_files}/{files} files, {fast_bytes}/{bytes} bytes");
}

/// Runs only the fast path over `$MIWAKE_HTML_DIR`, for profiling it.
#[test]
#[ignore = "needs MIWAKE_HTML_DIR"]
fn html_dir_fast_path_only() {
    let dir = std::env::var("MIWAKE_HTML_DIR").expect("MIWAKE_HTML_DIR");
    let pages: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).expect("utf-8"))
        .collect();
    let handled = pages.iter().filter(|html| convert_one_page(html)).count();
    println!("fast path: {handled}/{} files", pages.len());
}

#[inline(never)]
fn convert_one_page(html: &str) -> bool {
    let mut conv = Converter::new(512 * 1024, 512);
    convert(html, &mut conv).is_ok()
}

fn fragment() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("a"),
        Just("A"),
        Just("p"),
        Just("div"),
        Just("br"),
        Just("td"),
        Just("img"),
        Just("area"),
        Just("form"),
        Just("head"),
        Just("title"),
        Just("style"),
        Just("STYLE"),
        Just("script"),
        Just("Script"),
        Just("noscript"),
        Just("iframe"),
        Just("textarea"),
        Just("xmp"),
        Just("plaintext"),
        Just("meta"),
        Just("body"),
        Just("span"),
        Just("tr"),
        Just("noframe"),
        Just("noframes"),
        Just("noembed"),
        Just("html"),
        Just("li"),
        Just("h1"),
    ];
    let attr_name = prop_oneof![
        Just("href"),
        Just("HREF"),
        Just("alt"),
        Just("Alt"),
        Just("action"),
        Just("class"),
        Just("src"),
        Just("=x"),
        Just("x\"y"),
        Just("a<b"),
        Just("title"),
    ];
    let value = "([a-zé: /.?=#'\"<>\r\n\t]|&amp;|&lt|&copy|&param=|&notin|&#x41;|&#65|&#;|&foo;|&a;|&){0,6}";
    let attr = (
        attr_name,
        prop_oneof![Just(""), Just("="), Just(" = "), Just("=\""), Just("='")],
        value,
        prop_oneof![
            Just(""),
            Just("\""),
            Just("'"),
            Just(" "),
            Just("\r\n"),
            Just("/")
        ],
    )
        .prop_map(|(n, eq, v, end)| format!("{n}{eq}{v}{end}"));
    let start_tag = (
        name.clone(),
        prop::collection::vec(
            (
                prop_oneof![Just(" "), Just("\r\n"), Just("/"), Just(" / "), Just("")],
                attr,
            ),
            0..3,
        ),
        prop_oneof![Just(">"), Just("/>"), Just(" >"), Just("")],
    )
        .prop_map(|(n, attrs, end)| {
            let attrs: String = attrs.into_iter().map(|(s, a)| format!("{s}{a}")).collect();
            format!("<{n}{attrs}{end}")
        });
    let end_tag = (
        name,
        prop_oneof![
            Just(">"),
            Just(" >"),
            Just("\r\n>"),
            Just("/>"),
            Just(" x=\">\">"),
            Just("x>"),
            Just("")
        ],
    )
        .prop_map(|(n, end)| format!("</{n}{end}"));
    let text = "[a-zA-Z0-9 \t\r\n\u{a0}\u{e9}\u{65e5}\u{1f600}.,]{0,8}";
    let reference = prop_oneof![
        Just("&amp;"),
        Just("&nbsp;"),
        Just("&lt"),
        Just("&amp"),
        Just("&copy"),
        Just("&notit;"),
        Just("&foo;"),
        Just("&param=1"),
        Just("&#39;"),
        Just("&#x27;"),
        Just("&#x;"),
        Just("&#;"),
        Just("&#0;"),
        Just("&#128;"),
        Just("&#x110000;"),
        Just("&#xD800;"),
        Just("&"),
        Just("&;"),
        Just("&eacute"),
        Just("&ampx"),
        Just("&amp="),
        Just("&zwnj;"),
        Just("&Eacute;"),
    ];
    let markup = prop_oneof![
        Just("<!---->"),
        Just("<!-->"),
        Just("<!--->"),
        Just("<!-- x -->"),
        Just("<!-- x --!>"),
        Just("<!-- <!-- -->"),
        Just("<!--"),
        Just("<!- x>"),
        Just("<!doctype html>"),
        Just("<![CDATA[x]]>"),
        Just("<?xml?>"),
        Just("</>"),
        Just("</ x>"),
        Just("</3>"),
        Just("<"),
        Just(">"),
        Just("< a"),
        Just("<3"),
        Just("</"),
        Just("<\u{e9}"),
        Just("<!-"),
        Just("-->"),
        Just("\0"),
    ];
    prop_oneof![
        3 => text.prop_map(String::from),
        1 => "[ \t\r\n\u{c}\u{b}\u{a0}]{0,40}".prop_map(String::from),
        2 => start_tag,
        2 => end_tag,
        1 => reference.prop_map(String::from),
        1 => "&[a-zA-Z0-9]{0,7};?".prop_map(String::from),
        1 => markup.prop_map(String::from),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn name_lengths_match_a_plain_search(bytes in "[aZ09=/>:\\- \t\n\r\u{c}\u{1}\u{e9}\u{20ac}]{0,24}") {
        let bytes = bytes.as_bytes();
        for class in [TAG_NAME_END, ATTRIBUTE_NAME_END, UNQUOTED_VALUE_END] {
            let plain = bytes.iter().position(|&b| is(class, b));
            prop_assert_eq!(len_until(bytes, class), plain);
        }
        let plain = bytes.iter().position(|&b| is(ATTRIBUTE_NAME_END, b));
        prop_assert_eq!(attribute_name_len(bytes), plain);
    }

    #[test]
    fn states_after_any_start_tag_are_html5gums(name in "[a-z\u{e9}]{0,17}") {
        prop_assert_eq!(mode_after(Tag::of(name.as_bytes())), html5gum_mode_after(name.as_bytes()));
    }

    #[test]
    fn fast_path_gives_up_or_matches_html5gum(
        fragments in prop::collection::vec(fragment(), 0..30),
        max_text in prop_oneof![Just(1usize << 20), 0usize..40],
        max_links in prop_oneof![Just(100usize), 0usize..3],
    ) {
        let html: String = fragments.concat();
        let (fast, slow) = both(&html, max_text, max_links);
        if let Some(fast) = fast {
            prop_assert_eq!(render(&fast), render(&slow), "{:?}", html);
        }
    }

    #[test]
    fn fast_path_on_any_text_gives_up_or_matches(html in "[<>&;#x/!=\"'a-c \r\n\u{e9}-]{0,40}") {
        let (fast, slow) = both(&html, 1 << 20, 100);
        if let Some(fast) = fast {
            prop_assert_eq!(render(&fast), render(&slow), "{:?}", html);
        }
    }
}
