//! Reusable pieces of the interface: the page frame, navigation, form fields and messages.

pub mod chart;

use crate::error::{AppError, FieldErrors};
use leptos::prelude::*;

/// The browser's clock, Unix seconds (also the server's, in a build without the browser half).
pub fn browser_now() -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        (js_sys::Date::now() / 1000.0) as i64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
    }
}

/// The time pages compute with ("due in 3 days", the next free slot, default dates), in Unix
/// seconds. While the page hydrates it is exactly the server's time of rendering, so both halves
/// produce the same markup; afterwards it follows the browser's clock, corrected by the
/// difference between the two clocks measured at hydration, so it stays the server's time.
#[derive(Clone, Copy)]
pub struct Clock {
    now: RwSignal<i64>,
}

impl Clock {
    /// A clock that starts at `server_now` and, in the browser, starts ticking once the page
    /// has hydrated (every 30 s).
    pub fn start(server_now: i64) -> Clock {
        let now = RwSignal::new(server_now);
        #[cfg(feature = "hydrate")]
        {
            // Effects run after hydration, so the hydrating render used `server_now` exactly.
            let skew = server_now - browser_now();
            Effect::new(move |_| {
                let tick = move || now.set(browser_now() + skew);
                let _ = set_interval_with_handle(tick, std::time::Duration::from_secs(30));
            });
        }
        Clock { now }
    }

    /// Unix seconds now, without subscribing to the ticks (for values computed once).
    pub fn now(&self) -> i64 {
        self.now.get_untracked()
    }

    /// Unix seconds now, tracked: a view that reads it is redrawn every tick.
    pub fn now_tracked(&self) -> i64 {
        self.now.get()
    }
}

/// The page's [`Clock`]; panics outside `App` (every page is inside it).
pub fn use_clock() -> Clock {
    expect_context::<Clock>()
}

/// What a boundary shows while its data is on the way.
pub fn loading() -> impl IntoView {
    view! { <p class="muted">"Loading…"</p> }
}

/// The longest search text a list takes, in characters.
pub const MAX_SEARCH: usize = 100;

/// Rows per page in the admins' long lists (people and pairs of a programme, invitations).
pub const LIST_PAGE: i32 = 50;

/// List page `page` (from 0) as an address value: empty for the first, which is then left out
/// of the address (see [`query_string`]).
pub fn page_param(page: i32) -> String {
    if page > 0 { page.to_string() } else { String::new() }
}

/// A query string (`?a=1&b=x%20y`) of the `pairs` whose value is not empty, each value
/// percent-encoded; empty when every value is.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let parts: Vec<String> =
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC))).collect();
    if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
}

/// The last page (from 0) of a list of `total` rows shown `page_size` at a time: 0 for an empty
/// list. Lists answer a page asked for past it with this one.
pub fn last_page(total: i64, page_size: i32) -> i32 {
    ((total - 1).max(0) / i64::from(page_size.max(1))).min(i64::from(i32::MAX)) as i32
}

/// "← Previous · Page 2 of 7 · Next →" under a list of `total` rows shown `page_size` at a time,
/// page `page` (from 0) on screen; `link(n)` is the address of page n. Plain links, so paging
/// works without JavaScript too.
pub fn pager(total: i64, page: i32, page_size: i32, link: impl Fn(i32) -> String) -> impl IntoView {
    use leptos_router::components::A;
    let last = last_page(total, page_size);
    let page = page.min(last);
    view! {
        <nav class="pager" aria-label="Pages">
            {(page > 0).then(|| view! { <A href=link(page - 1)>"← Previous"</A> })}
            <span>{format!("Page {} of {}", page + 1, last + 1)}</span>
            {(page < last).then(|| view! { <A href=link(page + 1)>"Next →"</A> })}
        </nav>
    }
}

/// Gives the page being rendered on the server the HTTP status of `error` (403 for a programme
/// someone does not run, 401 signed out, 404 for what is not there), for browsers, crawlers
/// and tests alike; `AppError::status` is the one mapping. Does nothing in the browser.
pub fn page_status(error: &AppError) {
    #[cfg(feature = "ssr")]
    if let (Some(res), Ok(status)) =
        (use_context::<leptos_axum::ResponseOptions>(), axum::http::StatusCode::from_u16(error.status()))
    {
        res.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = error;
}

/// Shown in place of a page whose data could not be loaded, with the way forward.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    page_status(&error);
    match error {
        AppError::Unauthenticated => {
            // The session ended while the page was open (signed out elsewhere, or the person
            // was deactivated): go to the sign-in page, coming back here afterwards.
            #[cfg(feature = "hydrate")]
            Effect::new(move |_| {
                let location = window().location();
                let here = format!("{}{}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default());
                let next = js_sys::encode_uri_component(&here);
                let _ = location.assign(&format!("/signin?next={next}"));
            });
            view! {
            <div class="notice" role="alert">
                <p>"Please sign in to see this page."</p>
                <p><a href="/signin">"Sign in"</a></p>
            </div>
            }
            .into_any()
        }
        other => view! { <div class="notice" role="alert"><p>{other.to_string()}</p></div> }.into_any(),
    }
}

/// The first message for a field, reactive.
pub fn field_error(
    errors: RwSignal<FieldErrors>,
    name: impl Into<String>,
) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
    let name: std::sync::Arc<str> = name.into().into();
    move || errors.with(|e| e.get(&name))
}

/// A labelled text input bound to a signal, with its error message beneath it.
#[component]
pub fn TextField(
    label: &'static str,
    name: String,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] list: &'static str,
    /// The input's id where one page has several forms with this field (`f-{name}` otherwise).
    #[prop(optional, into)]
    id: Option<String>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("f-{}", name.replace('.', "-")));
    let err_id = format!("{id}-err");
    let err = field_error(errors, name.clone());
    let (err1, err2) = (err.clone(), err.clone());
    view! {
        <div class="field" class:invalid=move || err1().is_some()>
            <label for=id.clone()>{label}</label>
            {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
            <input
                id=id
                name=name
                type=kind
                autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
                list=(!list.is_empty()).then_some(list)
                value=move || value.get()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || if err2().is_some() { "true" } else { "false" }
                aria-describedby=err_id.clone()
            />
            <p class="error" id=err_id>{err}</p>
        </div>
    }
}

/// An uncontrolled input inside an `ActionForm` (so it posts without JavaScript too), with the
/// server's message for it. `value` is what it starts with; what the person types stays in the
/// field after a refusal, as the form is not re-rendered.
#[component]
pub fn PlainField(
    #[prop(into)] label: String,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(default = true)] required: bool,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-err");
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                value=value
                required=required
                autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=err_id.clone()
            />
            <p class="error" id=err_id>{move || error.get()}</p>
        </div>
    }
}

/// [`PlainField`]'s many-line sibling: a `textarea` with the server's message for it.
#[component]
pub fn PlainArea(
    #[prop(into)] label: String,
    name: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional)] hint: &'static str,
    #[prop(default = 4)] rows: u32,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-err");
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
            <textarea
                id=id
                name=name
                rows=rows
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=err_id.clone()
            >{value}</textarea>
            <p class="error" id=err_id>{move || error.get()}</p>
        </div>
    }
}

/// The `:id` parameter of the current route (a programme, guide or session); -1 when it is
/// missing or not a number, which every page answers as not found.
pub fn route_id() -> impl Fn() -> i64 + Copy + Send + Sync + 'static {
    let params = leptos_router::hooks::use_params_map();
    move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(-1))
}

/// Bumps `reload` each time `action` succeeds, for a page whose data a resource keyed on
/// `reload` loads: reloading after a refusal would redraw the form and lose what was typed.
pub fn reload_on_success<A, T>(reload: RwSignal<u32>, action: ServerAction<A>)
where
    A: leptos::server_fn::ServerFn<Output = T, Error = AppError> + Clone + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            reload.update(|v| *v += 1);
        }
    });
}

/// The refusal a server action last answered with, if any.
pub fn errors_of<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
) -> Memo<Option<AppError>> {
    Memo::new(move |_| value.get().and_then(|r| r.err()))
}

/// A message for a refusal that belongs to no single field (field refusals show at their
/// fields).
pub fn general_message(err: Option<AppError>) -> Option<(bool, String)> {
    match err {
        None => None,
        Some(AppError::Invalid(_)) => None,
        Some(other) => Some((false, other.to_string())),
    }
}

/// What a form shows after an attempt: a message per field and one under the form.
#[derive(Clone, Copy)]
pub struct Outcome {
    pub errors: RwSignal<FieldErrors>,
    pub status: RwSignal<Option<(bool, String)>>,
}

impl Outcome {
    pub fn new() -> Outcome {
        Outcome { errors: RwSignal::new(FieldErrors::new()), status: RwSignal::new(None) }
    }

    /// Success: field messages cleared, `message` under the form.
    pub fn done(&self, message: impl Into<String>) {
        self.errors.set(FieldErrors::new());
        self.status.set(Some((true, message.into())));
    }

    /// A refusal: each message at its field and the summary under the form. The fields keep
    /// what the user typed.
    pub fn refused(&self, error: &AppError) {
        self.errors.set(error.field_errors());
        self.status.set(Some((false, error.to_string())));
    }

    /// Input checked in the browser before it is sent: `true` if it may go, else the refusal
    /// is shown.
    pub fn checked<T>(&self, result: Result<T, AppError>) -> bool {
        match result {
            Ok(_) => true,
            Err(e) => {
                self.refused(&e);
                false
            }
        }
    }

    /// Follows a form's action: when it succeeds, field messages are cleared and `on_ok` runs
    /// (it sets the message); when it fails, the refusal is shown.
    pub fn follow<I, T>(self, action: Action<I, Result<T, AppError>>, on_ok: impl Fn(T) + 'static)
    where
        I: Send + Sync + 'static,
        T: Clone + Send + Sync + 'static,
    {
        Effect::new(move |_| match action.value().get() {
            Some(Ok(value)) => {
                self.errors.set(FieldErrors::new());
                on_ok(value);
            }
            Some(Err(e)) => self.refused(&e),
            None => {}
        });
    }
}

impl Default for Outcome {
    fn default() -> Self {
        Outcome::new()
    }
}

/// A message about a whole form (not one field), e.g. "saved" or "please fix".
#[component]
pub fn FormStatus(#[prop(into)] message: Signal<Option<(bool, String)>>) -> impl IntoView {
    view! {
        <div aria-live="polite" class="form-status">
            {move || message.get().map(|(ok, text)| {
                view! { <p class=if ok { "ok" } else { "bad" } role=if ok { "status" } else { "alert" }>{text}</p> }
            })}
        </div>
    }
}

/// A read-only text field holding something to copy (a link, an address), selected whole
/// when focused so one copy takes all of it.
#[component]
pub fn CopyField(#[prop(into)] value: String, label: &'static str) -> impl IntoView {
    view! {
        <input type="text" class="copy-field" readonly value=value aria-label=label on:focus=|ev| {
            #[cfg(feature = "hydrate")]
            {
                use wasm_bindgen::JsCast;
                if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                    input.select();
                }
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = ev;
        } />
    }
}

/// The file chosen in the `<input type="file">` an event came from (the browser half only).
#[cfg(feature = "hydrate")]
fn chosen_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    use wasm_bindgen::JsCast;
    ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).and_then(|i| i.files()).and_then(|f| f.get(0))
}

/// Reads a chosen text file into `into` (the browser half only).
pub fn read_file_into(ev: leptos::ev::Event, into: RwSignal<String>) {
    #[cfg(feature = "hydrate")]
    if let Some(file) = chosen_file(&ev) {
        leptos::task::spawn_local(async move {
            if let Ok(value) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                into.set(value.as_string().unwrap_or_default());
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, into);
}

/// Reads a chosen file's bytes into `into` as (file name, base64), leaving the decoding of its
/// text to the server (the browser half only).
pub fn read_file_base64(ev: leptos::ev::Event, into: RwSignal<Option<(String, String)>>) {
    #[cfg(feature = "hydrate")]
    if let Some(file) = chosen_file(&ev) {
        use base64::Engine;
        leptos::task::spawn_local(async move {
            if let Ok(buffer) = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                into.set(Some((file.name(), base64::engine::general_purpose::STANDARD.encode(bytes))));
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, into);
}

/// `YYYY-MM-DD HH:MM` in UTC.
pub fn format_date_time(unix: i64) -> String {
    let minutes = unix.rem_euclid(86_400) / 60;
    format!("{} {:02}:{:02}", format_date(unix), minutes / 60, minutes % 60)
}

pub fn format_date(unix: i64) -> String {
    let (y, m, d) = civil_date(unix);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The UTC calendar date of a Unix time: (year, month 1–12, day 1–31), by Howard Hinnant's
/// civil_from_days algorithm (<https://howardhinnant.github.io/date_algorithms.html>).
pub fn civil_date(unix: i64) -> (i64, i64, i64) {
    // Arithmetic rather than a date crate: the browser build needs only this.
    let days = unix.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_format_in_utc() {
        assert_eq!(super::format_date(0), "1970-01-01");
        assert_eq!(super::format_date(1_795_000_000), "2026-11-18");
        assert_eq!(super::format_date_time(1_795_000_000), "2026-11-18 11:06");
        assert_eq!(super::format_date_time(-1), "1969-12-31 23:59");
    }
}
