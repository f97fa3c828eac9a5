//! The platform's order-history export (`Retail.OrderHistory.1.csv`, or the newer
//! `Order History.csv`): columns are found by header name, not position, so both layouts
//! and future reorderings read the same. Addresses and payment columns are not imported.

use std::collections::BTreeMap;
use std::io::Read;

use miwake_core::analysis::orders::{KnownOrder, OrderContext};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::{Result, Store, StoreError};

/// One order, with its items (one CSV row each).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Order {
    pub order_id: String,
    pub website: Option<String>,
    pub order_date: Option<String>,
    pub status: Option<String>,
    pub items: Vec<OrderItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrderItem {
    pub product_name: Option<String>,
    pub asin: Option<String>,
    pub quantity: Option<String>,
    pub shipment_status: Option<String>,
    pub ship_date: Option<String>,
    pub carrier: Option<String>,
    pub tracking: Option<String>,
}

impl Order {
    /// The order as the analysis core sees it.
    pub fn to_known(&self) -> KnownOrder {
        KnownOrder {
            id: self.order_id.clone(),
            date: self.order_date.clone(),
            items: self
                .items
                .iter()
                .filter_map(|i| i.product_name.clone())
                .collect(),
            tracking: self
                .items
                .iter()
                .filter_map(|i| i.tracking.clone())
                .flat_map(|t| {
                    t.split(',')
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect::<Vec<_>>()
                })
                .collect(),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub orders: usize,
    pub items: usize,
    pub new_orders: usize,
    pub updated_orders: usize,
}

/// Columns miwake reads, with the header names each may have (compared lower-case, letters
/// and digits only, so `Carrier Name & Tracking Number` is `carriernametrackingnumber`).
const COLUMNS: &[(Column, &[&str])] = &[
    (Column::OrderId, &["orderid", "注文番号"]),
    (Column::OrderDate, &["orderdate", "注文日"]),
    (Column::Website, &["website"]),
    (Column::Status, &["orderstatus"]),
    (Column::ShipmentStatus, &["shipmentstatus"]),
    (Column::ShipDate, &["shipdate"]),
    (
        Column::CarrierTracking,
        &[
            "carriernametrackingnumber",
            "carrierandtrackingnumber",
            "trackingnumber",
        ],
    ),
    (
        Column::Product,
        &["productname", "itemname", "title", "商品名"],
    ),
    (Column::Asin, &["asin", "asinisbn"]),
    (Column::Quantity, &["quantity", "originalquantity"]),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Column {
    OrderId,
    OrderDate,
    Website,
    Status,
    ShipmentStatus,
    ShipDate,
    CarrierTracking,
    Product,
    Asin,
    Quantity,
}

fn header_key(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Placeholders the export writes for "no value".
fn cell(value: &str) -> Option<String> {
    let v = value.trim();
    let empty = v.is_empty()
        || ["not applicable", "not available", "n/a", "na", "-"]
            .iter()
            .any(|p| v.eq_ignore_ascii_case(p));
    (!empty).then(|| v.to_string())
}

/// `AMZN_JP(TBA123456789012)` → (carrier, tracking); several may be joined with commas.
fn carrier_and_tracking(value: &str) -> (Option<String>, Option<String>) {
    let mut carriers = Vec::new();
    let mut numbers = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')').map(|c| open + c) else {
            break;
        };
        let carrier = rest[..open].trim().trim_start_matches(',').trim();
        if !carrier.is_empty() {
            carriers.push(carrier.to_string());
        }
        let number = rest[open + 1..close].trim();
        if cell(number).is_some() {
            numbers.push(number.to_string());
        }
        rest = &rest[close + 1..];
    }
    if carriers.is_empty() && numbers.is_empty() {
        let v = value.trim();
        let digits = v.chars().filter(|c| c.is_ascii_alphanumeric()).count();
        if v.chars().any(|c| c.is_ascii_digit()) && digits >= 8 {
            numbers.push(v.to_string());
        } else if !v.is_empty() {
            carriers.push(v.to_string());
        }
    }
    let join = |v: Vec<String>| (!v.is_empty()).then(|| v.join(", "));
    (join(carriers), join(numbers))
}

/// Parse an order-history CSV. Errors name the line (1 is the header).
pub fn parse_order_history(input: impl Read) -> Result<Vec<Order>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let headers = reader.headers().map_err(|e| csv_error(&e, 1))?.clone();
    let mut index: BTreeMap<Column, usize> = BTreeMap::new();
    for (i, h) in headers.iter().enumerate() {
        let key = header_key(h);
        if let Some((col, _)) = COLUMNS
            .iter()
            .find(|(_, names)| names.contains(&key.as_str()))
        {
            index.entry(*col).or_insert(i);
        }
    }
    if !index.contains_key(&Column::OrderId) {
        let found: Vec<&str> = headers.iter().take(12).collect();
        return Err(StoreError::Csv {
            line: 1,
            message: format!(
                "no \"Order ID\" column, so this is not an order-history export (columns: {})",
                found.join(", ")
            ),
        });
    }
    let mut orders: Vec<Order> = Vec::new();
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&e, 0))?;
        let line = record.position().map_or(0, |p| p.line());
        let get = |c: Column| index.get(&c).and_then(|&i| record.get(i)).and_then(cell);
        let Some(order_id) = get(Column::OrderId) else {
            return Err(StoreError::Csv {
                line,
                message: "the \"Order ID\" cell is empty".into(),
            });
        };
        let order_id = order_id.to_ascii_uppercase();
        if !miwake_core::reply::is_order_number(&order_id) {
            return Err(StoreError::Csv {
                line,
                message: format!("{order_id:?} is not an order number (like 250-1234567-1234567)"),
            });
        }
        let (carrier, tracking) = get(Column::CarrierTracking)
            .map(|v| carrier_and_tracking(&v))
            .unwrap_or((None, None));
        let item = OrderItem {
            product_name: get(Column::Product),
            asin: get(Column::Asin),
            quantity: get(Column::Quantity),
            shipment_status: get(Column::ShipmentStatus),
            ship_date: get(Column::ShipDate),
            carrier,
            tracking,
        };
        let at = *by_id.entry(order_id.clone()).or_insert_with(|| {
            orders.push(Order {
                order_id: order_id.clone(),
                website: get(Column::Website),
                order_date: get(Column::OrderDate),
                status: get(Column::Status),
                items: Vec::new(),
            });
            orders.len() - 1
        });
        orders[at].items.push(item);
    }
    Ok(orders)
}

fn csv_error(e: &csv::Error, fallback_line: u64) -> StoreError {
    let line = e.position().map_or(fallback_line, |p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "{len} fields where the header has {expected_len} (an unquoted comma or a missing quote?)"
        ),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text (save the file as UTF-8)".to_string(),
        _ => e.to_string(),
    };
    StoreError::Csv { line, message }
}

impl Store {
    /// Store imported orders in one transaction. An order already known is replaced by the
    /// newer export's version of it (the export is the platform's record, not the user's).
    pub fn import_orders(&mut self, orders: &[Order], imported_at: i64) -> Result<ImportSummary> {
        let tx = self.conn.transaction()?;
        let mut summary = ImportSummary::default();
        for o in orders {
            let known: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM orders WHERE order_id = ?1)",
                [&o.order_id],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO orders (order_id, website, order_date, status, imported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(order_id) DO UPDATE SET website = ?2, order_date = ?3,
                     status = ?4, imported_at = ?5",
                params![o.order_id, o.website, o.order_date, o.status, imported_at],
            )?;
            tx.execute("DELETE FROM order_items WHERE order_id = ?1", [&o.order_id])?;
            for i in &o.items {
                tx.execute(
                    "INSERT INTO order_items (order_id, product_name, asin, quantity,
                         shipment_status, ship_date, carrier, tracking)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        o.order_id,
                        i.product_name,
                        i.asin,
                        i.quantity,
                        i.shipment_status,
                        i.ship_date,
                        i.carrier,
                        i.tracking
                    ],
                )?;
            }
            summary.orders += 1;
            summary.items += o.items.len();
            if known {
                summary.updated_orders += 1;
            } else {
                summary.new_orders += 1;
            }
        }
        tx.commit()?;
        Ok(summary)
    }

    /// One imported order.
    pub fn order(&self, order_id: &str) -> Result<Option<Order>> {
        let head = self
            .conn
            .query_row(
                "SELECT order_id, website, order_date, status FROM orders WHERE order_id = ?1",
                [order_id.trim().to_ascii_uppercase()],
                |r| {
                    Ok(Order {
                        order_id: r.get(0)?,
                        website: r.get(1)?,
                        order_date: r.get(2)?,
                        status: r.get(3)?,
                        items: Vec::new(),
                    })
                },
            )
            .optional()?;
        let Some(mut order) = head else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT product_name, asin, quantity, shipment_status, ship_date, carrier, tracking
             FROM order_items WHERE order_id = ?1 ORDER BY id",
        )?;
        order.items = stmt
            .query_map([&order.order_id], item_from)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(order))
    }

    /// Every imported order, for the analysis (`Analyzer::analyze_with_orders`).
    pub fn order_context(&self) -> Result<OrderContext> {
        let mut stmt = self.conn.prepare(
            "SELECT o.order_id, o.order_date, i.product_name, i.asin, i.quantity,
                    i.shipment_status, i.ship_date, i.carrier, i.tracking
             FROM orders o LEFT JOIN order_items i ON i.order_id = o.order_id
             ORDER BY o.order_id, i.id",
        )?;
        let mut orders: Vec<Order> = Vec::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            if orders.last().is_none_or(|o| o.order_id != id) {
                orders.push(Order {
                    order_id: id,
                    order_date: r.get(1)?,
                    ..Default::default()
                });
            }
            let item = OrderItem {
                product_name: r.get(2)?,
                asin: r.get(3)?,
                quantity: r.get(4)?,
                shipment_status: r.get(5)?,
                ship_date: r.get(6)?,
                carrier: r.get(7)?,
                tracking: r.get(8)?,
            };
            if let Some(o) = orders.last_mut() {
                if item != OrderItem::default() {
                    o.items.push(item);
                }
            }
        }
        Ok(OrderContext::new(orders.iter().map(Order::to_known)))
    }

    /// How many orders were imported.
    pub fn order_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM orders", [], |r| r.get(0))?)
    }
}

fn item_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<OrderItem> {
    Ok(OrderItem {
        product_name: r.get(0)?,
        asin: r.get(1)?,
        quantity: r.get(2)?,
        shipment_status: r.get(3)?,
        ship_date: r.get(4)?,
        carrier: r.get(5)?,
        tracking: r.get(6)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../fixtures/orders/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn check_layout(orders: &[Order]) {
        assert_eq!(orders.len(), 3, "{orders:#?}");
        let multi = &orders[0];
        assert_eq!(multi.order_id, "250-1234567-7654321");
        assert_eq!(multi.items.len(), 2, "multi-item order");
        assert_eq!(
            multi.items[0].product_name.as_deref(),
            Some("Anker USB-C充電器, 65W (2ポート, PD対応) \"Nano\"")
        );
        assert_eq!(multi.items[0].carrier.as_deref(), Some("AMZN_JP"));
        assert_eq!(multi.items[0].tracking.as_deref(), Some("TBA123456789012"));
        assert_eq!(multi.items[1].tracking.as_deref(), Some("123456789012"));
        assert_eq!(multi.items[1].carrier.as_deref(), Some("Yamato Transport"));
        let digital = &orders[2];
        assert_eq!(digital.order_id, "D01-7777777-1111111");
        assert_eq!(digital.items[0].tracking, None, "Not Applicable is empty");
        assert_eq!(digital.items[0].ship_date, None);
        let known = multi.to_known();
        assert_eq!(known.tracking, vec!["TBA123456789012", "123456789012"]);
    }

    #[test]
    fn retail_order_history_layout_parses_by_header_name() {
        let orders = parse_order_history(&fixture("Retail.OrderHistory.1.csv")[..]).expect("parse");
        check_layout(&orders);
        assert_eq!(orders[0].website.as_deref(), Some("Amazon.co.jp"));
    }

    #[test]
    fn newer_order_history_layout_parses_the_same() {
        let orders = parse_order_history(&fixture("Order History.csv")[..]).expect("parse");
        check_layout(&orders);
        assert_eq!(orders[0].items[0].quantity.as_deref(), Some("1"));
    }

    #[test]
    fn bad_csv_names_the_line() {
        let bad = fixture("bad-unquoted-comma.csv");
        let err = parse_order_history(&bad[..]).expect_err("bad");
        let text = err.to_string();
        assert!(matches!(err, StoreError::Csv { line: 3, .. }), "{text}");
        assert!(text.contains("line 3"), "{text}");
        let no_id = "Website,Product Name\nAmazon.co.jp,x\n";
        let err = parse_order_history(no_id.as_bytes()).expect_err("no id");
        assert!(err.to_string().contains("line 1"), "{err}");
        let bad_id = "Order ID,Product Name\n250-1234567-7654321,a\nhello,b\n";
        let err = parse_order_history(bad_id.as_bytes()).expect_err("bad id");
        assert!(matches!(err, StoreError::Csv { line: 3, .. }), "{err}");
        let bad_utf8 = b"Order ID,Product Name\n250-1234567-7654321,\xff\xfe\n";
        let err = parse_order_history(&bad_utf8[..]).expect_err("utf8");
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn import_is_transactional_and_re_import_replaces_items() {
        let mut store = Store::open_in_memory().expect("open");
        let orders = parse_order_history(&fixture("Retail.OrderHistory.1.csv")[..]).expect("parse");
        let first = store.import_orders(&orders, 1).expect("import");
        assert_eq!((first.orders, first.items, first.new_orders), (3, 4, 3));
        let again = store.import_orders(&orders, 2).expect("again");
        assert_eq!((again.new_orders, again.updated_orders), (0, 3));
        let o = store
            .order("250-1234567-7654321")
            .expect("get")
            .expect("present");
        assert_eq!(o.items.len(), 2);
        let ctx = store.order_context().expect("ctx");
        assert_eq!(ctx.len(), 3);
        assert!(ctx.get("250-1234567-7654321").is_some());
    }
}
