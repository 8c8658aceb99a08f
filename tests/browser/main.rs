//! The browser tests: headless Chromium through chromedriver against the service, with axe-core
//! checks and screenshots under `docs/screenshots/`. A second test binary beside `tests/it/`, so
//! that `cargo test --test it` runs without a browser. Run one module with
//! `cargo test --test browser <module>::`.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod driver;
mod help_article;
mod pages;
mod portal_journey;
