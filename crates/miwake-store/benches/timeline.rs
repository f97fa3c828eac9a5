//! `cargo bench -p miwake-store --bench timeline`: 10,000 messages in the log (2,000 orders,
//! five messages and one action each); how long one order's timeline takes. Target: < 50 ms.

use std::time::{Duration, Instant};

use miwake_store::{ActionKind, NewAction, NewMessage, Store};

const MESSAGES: usize = 10_000;
const PER_ORDER: usize = 5;
const RUNS: usize = 500;

fn order_id(n: usize) -> String {
    format!("250-{:07}-{:07}", n, 7_654_321 - n)
}

fn main() {
    let dir = std::env::temp_dir().join(format!("miwake-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = dir.join("bench.db");
    let mut store = Store::open(&db).expect("open");
    let analyzer = miwake_core::Analyzer::embedded().expect("analyzer");
    let orders = MESSAGES / PER_ORDER;
    let start = Instant::now();
    let raws: Vec<Vec<u8>> = (0..MESSAGES)
        .map(|n| {
            format!(
                "From: shop{}@example.com\r\nDate: Mon, 2 Dec 2024 10:{:02}:00 +0900\r\nSubject: 注文 {} について\r\n\r\n注文番号 {} の商品を発送しました。到着予定は12月{}日です。メッセージ {n}\r\n",
                n % 300,
                n % 60,
                order_id(n % orders),
                order_id(n % orders),
                1 + n % 28
            )
            .into_bytes()
        })
        .collect();
    for chunk in raws.chunks(500) {
        let reports: Vec<_> = chunk.iter().map(|r| analyzer.analyze(r)).collect();
        let batch: Vec<_> = chunk
            .iter()
            .zip(&reports)
            .map(|(r, rep)| NewMessage::new(r, rep, 1_733_200_000))
            .collect();
        store.record_batch(&batch).expect("batch");
    }
    for o in 0..orders {
        let mut a = NewAction::new(ActionKind::Replied, 1_733_300_000);
        a.order_id = Some(order_id(o));
        a.template = Some("T1".into());
        store.add_action(&a).expect("action");
    }
    println!(
        "filled {} messages / {orders} orders in {:.1} s",
        store.message_count().expect("count"),
        start.elapsed().as_secs_f64()
    );

    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    for i in 0..RUNS {
        let id = order_id((i * 7919) % orders);
        let t = Instant::now();
        let timeline = store.timeline(&id).expect("timeline");
        times.push(t.elapsed());
        assert_eq!(timeline.messages().count(), PER_ORDER, "{id}");
        assert_eq!(timeline.entries.len(), PER_ORDER + 1);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = times[RUNS / 2];
    let p99 = times[RUNS * 99 / 100];
    let max = times[RUNS - 1];
    println!(
        "timeline of one order ({PER_ORDER} messages + 1 action) among {MESSAGES} messages: median {:.3} ms, p99 {:.3} ms, max {:.3} ms over {RUNS} runs (target < 50 ms)",
        ms(median),
        ms(p99),
        ms(max)
    );
    let t = Instant::now();
    let overview = store.overview_at(1_733_400_000, 24).expect("overview");
    println!(
        "history overview of all {} orders: {:.1} ms",
        overview.len(),
        ms(t.elapsed())
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    if max >= Duration::from_millis(50) {
        eprintln!("SLOWER THAN TARGET");
        std::process::exit(1);
    }
}
