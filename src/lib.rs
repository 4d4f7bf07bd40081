//! Upmentor: reverse-mentoring programmes. One crate, two halves: the `ssr` server and the
//! `hydrate` browser build share every type and component listed here.
#![recursion_limit = "256"]

pub mod accounts;
pub mod app;
pub mod error;
pub mod matching;
pub mod pairs;
pub mod profiles;
pub mod programmes;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the browser half: attaches the reactive app to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
