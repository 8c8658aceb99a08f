//! Session touches, on both backends: with an inactivity expiry every request moves a session's
//! expiry on, but its row is written for that at most once a minute; a change of its data is
//! written at once; the stored expiry never runs ahead of the idle timeout and lags it by less
//! than a minute; a session ended meanwhile is not brought back. Through the real service: the
//! requests of a logged-in browser within the minute leave the row alone.

use portal_identity::Db;
use portal_identity::sessions::{DbSessionStore, TOUCH_EVERY_MS, id_hash};
use portal_testkit::TestStoreRef;
use portal_testkit::db::wait_projected;
use portal_testkit::db::*;
use portal_testkit::fixtures::{contact, customer, tenant};
use portal_testkit::http::*;
use portal_testkit::on_both_backends;
use portal_testkit::process::*;
use portal_testkit::smtp::SmtpSink;
use serde_json::json;
use sqlx::Row as _;
use time::{Duration, OffsetDateTime};
use tower_sessions::SessionStore as _;
use tower_sessions::session::{Id, Record};

fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The stored (expiry, data) of session `id`.
async fn row(db: &Db, id: &Id) -> Option<(i64, String)> {
    sqlx::query("SELECT expires_at, data FROM sessions WHERE id_hash = $1")
        .bind(id_hash(id))
        .fetch_optional(db.pool())
        .await
        .unwrap()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
}

async fn touches_are_written_once_a_minute(t: TestStoreRef) {
    let db = Db::connect(&t.url, 2).await.unwrap();
    let store = DbSessionStore::new(db.clone());
    let start = OffsetDateTime::now_utc() + Duration::hours(1);
    let mut record = Record {
        id: Id::default(),
        data: [("user".to_owned(), json!({"user_id": "u1"}))].into(),
        expiry_date: start,
    };
    store.create(&mut record).await.unwrap();
    let id = record.id;
    assert_eq!(row(&db, &id).await.unwrap().0, ms(start));

    // Requests within the minute: loaded, saved with a later expiry, not written.
    let mut loaded = store.load(&id).await.unwrap().unwrap();
    for seconds in [1, 30, 59] {
        loaded.expiry_date = start + Duration::seconds(seconds);
        store.save(&loaded).await.unwrap();
        assert_eq!(
            row(&db, &id).await.unwrap().0,
            ms(start),
            "{seconds} s later"
        );
    }
    // A change of the data is written at once, with the expiry of that request.
    loaded
        .data
        .insert("scope".into(), json!({"tenant": "acme"}));
    store.save(&loaded).await.unwrap();
    let (expires, data) = row(&db, &id).await.unwrap();
    assert_eq!(expires, ms(start + Duration::seconds(59)));
    assert!(data.contains("acme"), "{data}");
    // A minute after the stored expiry: written, so the stored one never lags a minute.
    let stored = start + Duration::seconds(59);
    loaded.expiry_date = stored + Duration::milliseconds(TOUCH_EVERY_MS - 1);
    store.save(&loaded).await.unwrap();
    assert_eq!(row(&db, &id).await.unwrap().0, ms(stored));
    loaded.expiry_date = stored + Duration::milliseconds(TOUCH_EVERY_MS);
    store.save(&loaded).await.unwrap();
    assert_eq!(row(&db, &id).await.unwrap().0, ms(loaded.expiry_date));

    // A store that has not seen the row (another process) writes.
    let other = DbSessionStore::new(db.clone());
    loaded.expiry_date += Duration::seconds(1);
    other.save(&loaded).await.unwrap();
    assert_eq!(row(&db, &id).await.unwrap().0, ms(loaded.expiry_date));

    // Ended meanwhile (logout elsewhere): not loaded, and a late save does not bring it back.
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash(&id))
        .execute(db.pool())
        .await
        .unwrap();
    assert!(store.load(&id).await.unwrap().is_none());
    loaded.data.insert("late".into(), json!(true));
    store.save(&loaded).await.unwrap();
    assert_eq!(row(&db, &id).await, None);
}

async fn a_browsing_session_is_not_written_per_request(t: TestStoreRef) {
    const ANN: &str = "ann@one.example";
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let one = customer(&t.store, &acme, "Customer One").await;
    contact(&t.store, &acme, one, ANN).await;
    wait_projected(&t.store, &t.url).await;
    settle_mail(&t.store, &t.url).await;

    let ann = Browser::new(&base_of(&server));
    assert_eq!(ann.login(&sink, ANN).await.location(), Some("/portal"));
    let db = Db::connect(&t.url, 2).await.unwrap();
    let rows = || async {
        sqlx::query("SELECT expires_at, data FROM sessions ORDER BY id_hash")
            .fetch_all(db.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.try_get::<i64, _>(0).unwrap(),
                    r.try_get::<String, _>(1).unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let after_login = rows().await;
    assert!(!after_login.is_empty());
    for _ in 0..3 {
        let page = ann.get("/portal").await;
        assert_eq!(page.status, 200, "{}", page.body);
    }
    assert_eq!(rows().await, after_login);
}

on_both_backends!(
    touches_are_written_once_a_minute,
    a_browsing_session_is_not_written_per_request,
);
