//! Upmentor: reverse-mentoring programmes. One crate, two halves: the `ssr` server and the
//! `hydrate` browser build share every type and component listed here.
#![recursion_limit = "256"]

// Both halves must be built with Leptos's erased components (.cargo/config.toml) or the
// browser's hydration meets markup it does not expect. A RUSTFLAGS variable, or a
// target-specific `rustflags` in a user's own cargo configuration, replaces that setting.
#[cfg(not(any(erase_components, doc, doctest)))]
compile_error!("build with `--cfg erase_components` (see .cargo/config.toml): if RUSTFLAGS or a target's rustflags are set, add it there");

#[macro_use]
pub mod stored;

pub mod accounts;
pub mod app;
#[cfg(feature = "ssr")]
pub mod calendar;
pub mod error;
pub mod insights;
pub mod mail;
pub mod matching;
pub mod notifications;
pub mod pairs;
pub mod people;
pub mod profiles;
pub mod programmes;
pub mod sessions;
pub mod training;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the browser half: attaches the reactive app to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        // The browser half stops at a panic (it aborts); say so on the page, where tests and
        // people can see it, instead of leaving a page that looks alive and does nothing.
        if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
            let _ = body.set_attribute("data-panic", &info.to_string());
        }
    }));
    leptos::mount::hydrate_body(app::App);
}
