//! `sqlx::migrate!` embeds the migrations at compile time; without this, cargo would not notice
//! a changed or added migration file and would keep serving the old set.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
