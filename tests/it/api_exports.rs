//! The order export `GET /api/v1/orders/export` through the real binary, on both backends: CSV
//! with a UTF-8 byte order mark, "Växjö" intact, times as `YYYY-MM-DD HH:MM`, every cell that starts
//! with `=`, `+`, `-` or `@` neutralised; XLSX with the same rows, string cells and real date
//! cells; a user of another customer sees none of these orders; staff see both customers'.

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use portal_testkit::TestStoreRef;
use portal_testkit::api::{Api, Env, field_error};
use portal_testkit::on_both_backends;
use serde_json::{Value, json};

pub(crate) fn order_body(reference: &str, pickup_city: &str) -> Value {
    let stop = |city: &str, date: &str| {
        json!({"address": {"name": format!("{city} site"), "street": "Storgatan 1",
            "postal_code": "35230", "city": city, "country": "SE"}, "date": date})
    };
    json!({"customer_reference": reference, "consignments": [{
        "pickup": stop(pickup_city, &portal_testkit::fixtures::day(5)),
        "delivery": stop("Malmö", &portal_testkit::fixtures::day(6)),
        "goods": [{"description": "Tiles", "quantity": 1, "packaging": "euro_pallet",
            "weight_kg": 500.0, "stackable": false}]
    }]})
}

/// The CSV's records (header first), after checking and dropping the byte order mark.
pub(crate) fn csv_records(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "no BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

pub(crate) fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap()
}

/// `YYYY-MM-DD HH:MM` as an Excel serial (days since 1899-12-30).
fn excel_serial(text: &str) -> f64 {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let t = time::PrimitiveDateTime::parse(text, &f).unwrap();
    let epoch = time::macros::datetime!(1899-12-30 0:00);
    (t - epoch).as_seconds_f64() / 86_400.0
}

const RISKY: [&str; 4] = ["=SUM(A1)", "@SUM(A1)", "+4930123", "-2+3"];

async fn exports(t: TestStoreRef) {
    let env = Env::start(t).await;
    let (_, ann) = env
        .portal_user("Alpha Foods", "ann@alpha.example", true)
        .await;
    let (_, bob) = env
        .portal_user("Beta Steel", "bob@beta.example", true)
        .await;
    for reference in RISKY {
        let a = ann
            .post("/api/v1/orders", &order_body(reference, "Växjö"))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let a = ann
        .post("/api/v1/orders", &order_body("PO-1", "Växjö"))
        .await;
    let id = a.json()["id"].as_str().unwrap().to_owned();
    let a = ann
        .post(&format!("/api/v1/orders/{id}/submit"), &json!({}))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = bob
        .post("/api/v1/orders", &order_body("BETA-SECRET", "Kiel"))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    env.projected().await;

    // CSV: BOM, UTF-8, neutralised formulas, minutes, only Ann's orders.
    let (bytes, ctype) = ann.download("/api/v1/orders/export?format=csv").await;
    assert_eq!(ctype, "text/csv; charset=utf-8");
    let records = csv_records(&bytes);
    let (header, rows) = records.split_first().unwrap();
    assert_eq!(rows.len(), 5, "{records:?}");
    let reference = column(header, "reference");
    let mut references: Vec<&str> = rows.iter().map(|r| r[reference].as_str()).collect();
    references.sort_unstable();
    assert_eq!(
        references,
        ["'+4930123", "'-2+3", "'=SUM(A1)", "'@SUM(A1)", "PO-1"]
    );
    assert!(
        rows.iter()
            .all(|r| r[column(header, "pickup_city")] == "Växjö")
    );
    let submitted = column(header, "submitted_at");
    let created = column(header, "created_at");
    let at = rows.iter().find(|r| r[reference] == "PO-1").unwrap();
    for text in [&at[created], &at[submitted]] {
        assert_eq!(text.len(), 16, "{text}");
        excel_serial(text);
    }
    assert_eq!(at[column(header, "time_zone")], "UTC");
    assert!(!String::from_utf8_lossy(&bytes).contains("BETA-SECRET"));
    assert!(!header.contains(&"customer".to_owned()), "{header:?}");

    // XLSX: the same rows in the same order; text as string cells, times as date cells.
    let (xbytes, ctype) = ann.download("/api/v1/orders/export?format=xlsx").await;
    assert_eq!(
        ctype,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(xbytes)).unwrap();
    let range = book.worksheet_range("Orders").unwrap();
    let sheet: Vec<&[Data]> = range.rows().collect();
    let xheader: Vec<String> = sheet[0].iter().map(ToString::to_string).collect();
    assert_eq!(&xheader, header);
    assert_eq!(sheet.len(), records.len());
    for (x, c) in sheet[1..].iter().zip(rows) {
        let number = column(header, "order_number");
        assert_eq!(x[number], Data::String(c[number].clone()));
        // The text exactly as typed: a string cell is never a formula.
        assert_eq!(
            x[reference],
            Data::String(c[reference].trim_start_matches('\'').to_owned())
        );
        let Data::DateTime(when) = &x[created] else {
            panic!("created_at is not a date cell: {:?}", x[created]);
        };
        assert!((when.as_f64() - excel_serial(&c[created])).abs() < 1.0 / 1440.0);
        assert!(matches!(
            x[column(header, "pickup_date")],
            Data::DateTime(_)
        ));
        assert_eq!(x[column(header, "consignments")], Data::Float(1.0));
    }

    // Bob sees his order only; staff see both customers', with the customer's name.
    let (bytes, _) = bob.download("/api/v1/orders/export").await;
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("BETA-SECRET") && !text.contains("PO-1"),
        "{text}"
    );
    let (bytes, _) = env.api.download("/api/v1/orders/export?format=csv").await;
    let records = csv_records(&bytes);
    assert_eq!(records.len(), 7);
    assert!(records[0].contains(&"customer".to_owned()));

    // The list's filters apply; a wrong format or status is a 422 naming each field.
    let (bytes, _) = ann
        .download("/api/v1/orders/export?status=submitted&q=PO")
        .await;
    assert_eq!(csv_records(&bytes).len(), 2);
    let a = ann
        .get("/api/v1/orders/export?format=pdf&status=lost")
        .await;
    field_error(&a, "format", "unknown format");
    field_error(&a, "status", "unknown status");
    let a = env.api.get("/api/v1/orders/export").await;
    assert_eq!(a.status, 200);
    let anonymous = Api::new(&env.api.base, "nope");
    assert_eq!(anonymous.get("/api/v1/orders/export").await.status, 401);
}

on_both_backends!(exports);
