//! The HTML shell and the route table: the one place that lists every page.

use crate::accounts::ui::{AcceptInvitePage, ForgotPasswordPage, ResetPasswordPage, SignInPage};
use crate::profiles::ui::{DirectoryPage, ProfilePage};
use heavy::*;
use crate::accounts::{use_auth, Auth, SessionUser};
use crate::notifications::{ui::InboxCount, UnreadCounts};
use crate::ui::Clock;
use serde::{Deserialize, Serialize};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    path, SsrMode,
};

/// The pages with work to do: forms and lists (editing one's profile, programmes and applying,
/// matches, the inbox, guides) and the large ones (the matching engine, charts, the studio, the
/// pair workspace, the admin's tools). The browser half comes in two builds: the full one, and
/// a light one (`--features hydrate,lite`) in which these routes are [`FullLoad`]; the server
/// names the full build only on these pages ([`needs_full_bundle`]). The light build is for the
/// pages people arrive on (sign-in and the account pages, home, the directory, someone's profile),
/// which must stay under 300 KB over the wire (issue 18; `benches/page_weight.sh`): each route
/// left light brings its resources' types and views into it. Keep this list and the [`heavy`]
/// module in step.
pub const HEAVY_ROUTES: [&str; 17] = [
    "/profile",
    "/programmes",
    "/matches",
    "/inbox",
    "/guides/:id",
    "/admin",
    "/programmes/new",
    "/programmes/:id/manage",
    "/programmes/:id/studio",
    "/programmes/:id/insights",
    "/programmes/:id/report",
    "/programmes/:id/guides",
    "/programmes/:id/guides/new",
    "/programmes/:id/sessions",
    "/guides/:id/edit",
    "/pairs/:id",
    "/sessions/:id",
];

/// Whether a page at `path` (without query) needs the full browser build: it matches one of
/// [`HEAVY_ROUTES`], segment by segment, `:id` standing for any one segment.
pub fn needs_full_bundle(path: &str) -> bool {
    let path: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    HEAVY_ROUTES.iter().any(|route| {
        let route: Vec<&str> = route.split('/').collect();
        route.len() == path.len() && route.iter().zip(&path).all(|(r, p)| r.starts_with(':') || r == p)
    })
}

#[cfg(not(feature = "lite"))]
mod heavy {
    pub use crate::accounts::ui::AdminPage;
    pub use crate::insights::ui::{InsightsPage, ReportPage};
    pub use crate::notifications::ui::InboxPage;
    pub use crate::pairs::ui::{MatchesPage, WorkspacePage};
    pub use crate::profiles::ui::EditProfilePage;
    pub use crate::programmes::studio::StudioPage;
    pub use crate::programmes::ui::{ManageProgrammePage, NewProgrammePage, ProgrammesPage};
    pub use crate::sessions::ui::{SessionPage, SessionsPage};
    pub use crate::training::ui::{EditGuidePage, GuidePage, GuidesPage, NewGuidePage};
}

#[cfg(all(feature = "lite", feature = "ssr"))]
compile_error!("`lite` is a browser build: the server renders every page in full");

#[cfg(feature = "lite")]
mod heavy {
    pub use super::FullLoad as AdminPage;
    pub use super::FullLoad as InsightsPage;
    pub use super::FullLoad as ReportPage;
    pub use super::FullLoad as WorkspacePage;
    pub use super::FullLoad as StudioPage;
    pub use super::FullLoad as ManageProgrammePage;
    pub use super::FullLoad as NewProgrammePage;
    pub use super::FullLoad as SessionPage;
    pub use super::FullLoad as SessionsPage;
    pub use super::FullLoad as EditGuidePage;
    pub use super::FullLoad as GuidesPage;
    pub use super::FullLoad as NewGuidePage;
    pub use super::FullLoad as EditProfilePage;
    pub use super::FullLoad as ProgrammesPage;
    pub use super::FullLoad as MatchesPage;
    pub use super::FullLoad as InboxPage;
    pub use super::FullLoad as GuidePage;
}

/// A heavy route reached by a link inside the light build: the browser loads the page afresh,
/// and the server sends it with the full build. Never rendered by the server.
#[cfg(feature = "lite")]
#[component]
pub fn FullLoad() -> impl IntoView {
    // The router matches the new route before the address bar shows it: go where it was going.
    let to = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        let path = to.pathname.get_untracked();
        let mut target = path.clone();
        let (search, hash) = (to.search.get_untracked(), to.hash.get_untracked());
        if !search.is_empty() {
            target.push('?');
            target.push_str(&search);
        }
        if !hash.is_empty() {
            if !hash.starts_with('#') {
                target.push('#');
            }
            target.push_str(&hash);
        }
        // After the router has written the address (a task later): replacing that entry keeps
        // one history entry for the page, so Back returns to the light page.
        leptos::prelude::set_timeout(
            move || {
                if let Some(location) = web_sys::window().map(|w| w.location()) {
                    let written = location.pathname().is_ok_and(|p| p == path);
                    let _ = if written { location.replace(&target) } else { location.assign(&target) };
                }
            },
            std::time::Duration::ZERO,
        );
    });
    view! { <p class="muted" role="status">"Loading…"</p> }
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        // Pages may run only our own scripts: the hydration script carries this response's nonce.
        if let (Some(nonce), Some(res)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) {
            if let Ok(value) = axum::http::HeaderValue::from_str(&crate::server::security::page_csp(&nonce.to_string())) {
                res.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
            }
        }
    }
    // In the shell, which only the server renders: its name changes with every build.
    #[cfg(feature = "ssr")]
    let stylesheet = use_context::<crate::server::AppState>().map(|s| s.assets.stylesheet.clone()).unwrap_or_else(|| "/main.css".into());
    #[cfg(not(feature = "ssr"))]
    let stylesheet = "/main.css".to_string();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                // In the head, so the browser never asks for a /favicon.ico that does not exist.
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" id="main" href=stylesheet />
                <AutoReload options=options.clone() />
                <BrowserBuild options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The scripts that load the browser half and hydrate the page: the light build or the full one,
/// as [`crate::server::assets::Assets::browser_build`] says for this page; leptos's own
/// `HydrationScripts` for a site without hashed names. Rendered by the server only.
#[component]
fn BrowserBuild(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        let path = use_context::<axum::http::request::Parts>().map(|p| p.uri.path().to_string()).unwrap_or_default();
        let build = use_context::<crate::server::AppState>()
            .and_then(|s| s.assets.browser_build(&path).map(|(js, wasm)| (js.to_string(), wasm.to_string())));
        if let Some((js, wasm)) = build {
            let nonce = leptos::nonce::use_nonce();
            let script = format!("import init, {{ hydrate }} from {js:?};\ninit({{ module_or_path: {wasm:?} }}).then(hydrate);");
            return view! {
                <link rel="modulepreload" href=js crossorigin="anonymous" />
                <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin="anonymous" />
                <script type="module" nonce=nonce>{script}</script>
            }
            .into_any();
        }
    }
    view! { <HydrationScripts options /> }.into_any()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Resolved by the server for this request and serialised into the page: the browser
    // hydrates with exactly what the server rendered with.
    let start = leptos::prelude::SharedValue::new(PageStart::here).into_inner();
    provide_context(Auth::new(start.user));
    provide_context(Clock::start(start.now));
    provide_context(InboxCount(RwSignal::new(0)));
    // Marks the page as interactive once the browser half has taken over (tests wait for it).
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title formatter=|text: String| if text.is_empty() { "Upmentor".to_string() } else { format!("{text} · Upmentor") } />
        // Every route renders completely on the server before the response is sent, so pages read
        // correctly without JavaScript (streamed, out-of-order chunks need a script to be placed).
        // The insights page streams in order instead (complete without JavaScript too): its head
        // goes out after one cheap blocking check, while its figures are still being computed.
        <Router>
            <Nav />
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=Home ssr=SsrMode::Async />
                    <Route path=path!("/signin") view=SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/invite/:token") view=AcceptInvitePage ssr=SsrMode::Async />
                    <Route path=path!("/forgot") view=ForgotPasswordPage ssr=SsrMode::Async />
                    <Route path=path!("/reset/:token") view=ResetPasswordPage ssr=SsrMode::Async />
                    <Route path=path!("/unsubscribe/:token") view=crate::mail::ui::UnsubscribePage ssr=SsrMode::Async />
                    <Route path=path!("/people") view=DirectoryPage ssr=SsrMode::Async />
                    <Route path=path!("/people/:id") view=ProfilePage ssr=SsrMode::Async />
                    <Route path=path!("/profile") view=EditProfilePage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async />
                    <Route path=path!("/programmes") view=ProgrammesPage ssr=SsrMode::Async />
                    <Route path=path!("/programmes/new") view=NewProgrammePage ssr=SsrMode::Async />
                    <Route path=path!("/programmes/:id/manage") view=ManageProgrammePage ssr=SsrMode::Async />
                    <Route path=path!("/programmes/:id/studio") view=StudioPage ssr=SsrMode::Async />
                    <Route path=path!("/programmes/:id/insights") view=InsightsPage ssr=SsrMode::InOrder />
                    <Route path=path!("/programmes/:id/report") view=ReportPage ssr=SsrMode::Async />
                    <Route path=path!("/programmes/:id/guides") view=GuidesPage ssr=SsrMode::Async />
                    <Route path=path!("/programmes/:id/guides/new") view=NewGuidePage ssr=SsrMode::Async />
                    <Route path=path!("/programmes/:id/sessions") view=SessionsPage ssr=SsrMode::Async />
                    <Route path=path!("/sessions/:id") view=SessionPage ssr=SsrMode::Async />
                    <Route path=path!("/guides/:id") view=GuidePage ssr=SsrMode::Async />
                    <Route path=path!("/guides/:id/edit") view=EditGuidePage ssr=SsrMode::Async />
                    <Route path=path!("/matches") view=MatchesPage ssr=SsrMode::Async />
                    <Route path=path!("/inbox") view=InboxPage ssr=SsrMode::Async />
                    <Route path=path!("/pairs/:id") view=WorkspacePage ssr=SsrMode::Async />
                    <Route path=path!("/status") view=StatusPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

/// What the server knew when it rendered a page, carried into the browser with the page so the
/// two halves render the same thing: who is signed in and the time (Unix seconds, UTC).
///
/// The server resolves the signed-in person once per request (`server::auth::resolve_user`);
/// pages read it from [`Auth`](crate::accounts::Auth) as a plain signal instead of each asking the server, so no two
/// boundaries wait on one shared resource while rendering.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PageStart {
    /// Who is signed in (`None`: nobody).
    pub user: Option<SessionUser>,
    /// The server's time when it rendered the page, Unix seconds.
    pub now: i64,
}

impl PageStart {
    /// The request's facts: on the server from the request being rendered; in the browser (a
    /// page built there rather than hydrated) from the browser's clock, signed out.
    pub fn here() -> PageStart {
        #[cfg(feature = "ssr")]
        {
            let user = use_context::<axum::http::request::Parts>()
                .and_then(|p| p.extensions.get::<crate::server::auth::RequestUser>().cloned())
                .and_then(|u| u.0);
            PageStart { user, now: crate::server::db::now() }
        }
        #[cfg(not(feature = "ssr"))]
        {
            PageStart { user: None, now: crate::ui::browser_now() }
        }
    }
}

#[component]
pub fn Nav() -> impl IntoView {
    let auth = use_auth();
    let inbox_count = use_context::<crate::notifications::ui::InboxCount>().map(|c| c.0);
    // Asked only for someone signed in: a refused call during server rendering would set the
    // page's own HTTP status. Read in one boundary only, awaited inside `Suspend`. Blocking, so
    // a page that streams in order sends its status and title after the nav, not before it
    // (on pages rendered whole this changes nothing).
    let counts = Resource::new_blocking(
        move || (auth.user_id(), inbox_count.map(|c| c.get())),
        |(signed_in, _)| async move {
            match signed_in {
                // A count that cannot be read shows as none rather than breaking the page.
                Some(_) => crate::notifications::api::nav_counts().await.unwrap_or_default(),
                None => UnreadCounts::default(),
            }
        },
    );
    let sign_out = ServerAction::<crate::accounts::api::SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            auth.signed_out();
            let navigate = leptos_router::hooks::use_navigate();
            navigate("/signin", Default::default());
        }
    });
    view! {
        <header class="topbar">
            <a class="skip" href="#main">"Skip to content"</a>
            <A href="/" attr:class="brand">"Upmentor"</A>
            <nav aria-label="Main">
                {move || match auth.user() {
                    Some(user) => {
                        let first = user.clone();
                        view! {
                            // One boundary, one resource: the links show at once (counts at 0)
                            // and take their counts when they arrive.
                            <Transition fallback=move || nav_links(first.clone(), UnreadCounts::default(), sign_out)>
                                {
                                    let user = user.clone();
                                    move || {
                                        let user = user.clone();
                                        Suspend::new(async move { nav_links(user, counts.await, sign_out) })
                                    }
                                }
                            </Transition>
                        }
                        .into_any()
                    }
                    None => view! {
                        <ul class="nav-links">
                            <li><A href="/signin">"Sign in"</A></li>
                        </ul>
                    }
                    .into_any(),
                }}
            </nav>
        </header>
    }
}

/// A count badge, always present (hidden at 0) so the page hydrates whatever the count.
fn count_badge(n: u32, what: &'static str) -> impl IntoView {
    view! { <span class="count" hidden=n == 0 aria-label=format!("{n} {what}")>{n}</span> }
}

fn nav_links(user: SessionUser, counts: UnreadCounts, sign_out: ServerAction<crate::accounts::api::SignOut>) -> impl IntoView {
    let admin = user.is_admin();
    view! {
        <ul class="nav-links">
            <li><A href="/programmes">"Programmes"</A></li>
            <li><A href="/matches">"My matches " {count_badge(counts.messages, "unread messages")}</A></li>
            <li><A href="/people">"People"</A></li>
            <li><A href="/profile">"My profile"</A></li>
            {admin.then(|| view! { <li><A href="/admin">"Admin"</A></li> })}
            <li><A href="/inbox">"Inbox " {count_badge(counts.inbox, "unread")}</A></li>
            <li class="me">
                <span class="who">{user.name}</span>
                <ActionForm action=sign_out attr:class="inline">
                    <button type="submit" class="link">"Sign out"</button>
                </ActionForm>
            </li>
        </ul>
    }
}

#[component]
fn Home() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Title text="Home" />
        <section class="hero">
            <h1>"Reverse mentoring that people keep up"</h1>
            <p class="lead">
                "Juniors teach seniors technology, social media and fresh perspectives; seniors share business insight back. "
                "Upmentor matches the pairs, keeps their goals and check-ins, and shows the programme how it is going."
            </p>
            {move || match auth.user() {
                    Some(user) => {
                        let admin = user.is_admin();
                        let greeting = format!("{}, tell people what you can teach and what you want to learn.", user.name);
                        view! {
                        <div class="cards">
                            <A href="/profile" attr:class="card">
                                <h2>"Your profile"</h2>
                                <p>{greeting}</p>
                            </A>
                            <A href="/matches" attr:class="card">
                                <h2>"My matches"</h2>
                                <p>"Your mentors and mentees, and why you were matched."</p>
                            </A>
                            <A href="/programmes" attr:class="card">
                                <h2>"Programmes"</h2>
                                <p>"Join a reverse-mentoring programme as a mentor or a mentee."</p>
                            </A>
                            <A href="/people" attr:class="card">
                                <h2>"People"</h2>
                                <p>"Find colleagues by name, department, skill or level."</p>
                            </A>
                            {admin.then(|| view! {
                                <A href="/admin" attr:class="card">
                                    <h2>"Admin"</h2>
                                    <p>"Invite people and import the organisation."</p>
                                </A>
                            })}
                        </div>
                    }.into_any()
                    }
                    None => view! { <p><A href="/signin" attr:class="button">"Sign in"</A></p> }.into_any(),
            }}
        </section>
    }
}

/// What `/status` and the liveness check show: the server rendered a page through the same
/// path as every other page, an awaited resource included.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StatusReport {
    /// Upmentor's version (the crate's).
    pub version: String,
    /// The server's time, Unix seconds.
    pub time: i64,
}

/// What `/status` shows. Anyone may ask; it says nothing but the version and the time.
#[leptos::server(prefix = "/api", endpoint = "status")]
pub async fn server_status() -> Result<StatusReport, crate::error::AppError> {
    Ok(StatusReport { version: env!("CARGO_PKG_VERSION").to_string(), time: crate::server::db::now() })
}

/// `/status`: that the server can render a page. `/healthz` renders it on every serving thread.
#[component]
fn StatusPage() -> impl IntoView {
    let status = Resource::new(|| (), |_| server_status());
    view! {
        <Title text="Status" />
        <h1>"Status"</h1>
        <Suspense fallback=|| view! { <p>"Checking…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(s) => view! {
                        <p data-status="up">{format!("Upmentor {} is up; this page was rendered at {} UTC.", s.version, crate::ui::format_date_time(s.time))}</p>
                    }.into_any(),
                    Err(e) => view! { <crate::ui::ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <h1>"Page not found"</h1>
        <p><A href="/">"Back to the start"</A></p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_heavy_route_is_a_route_of_the_table() {
        let table = include_str!("app.rs");
        for route in HEAVY_ROUTES {
            assert!(table.contains(&format!("path!(\"{route}\")")), "{route} is not in the route table");
            assert!(needs_full_bundle(&route.replace(":id", "17")), "{route}");
        }
        for light in ["/", "/signin", "/people", "/people/17", "/forgot", "/status"] {
            assert!(!needs_full_bundle(light), "{light}");
        }
    }

    #[test]
    fn every_route_to_a_heavy_page_is_listed_as_heavy() {
        // The light build turns these views into a full page load: a route using one that the
        // server serves with the light build would load itself again and again.
        let heavy_views = ["AdminPage", "InsightsPage", "ReportPage", "WorkspacePage", "StudioPage", "ManageProgrammePage",
            "NewProgrammePage", "SessionPage", "SessionsPage", "EditGuidePage", "GuidesPage", "NewGuidePage", "EditProfilePage",
            "ProgrammesPage", "MatchesPage", "InboxPage", "GuidePage"];
        let table = include_str!("app.rs");
        let mut seen = 0;
        for line in table.lines().filter(|l| l.trim_start().starts_with("<Route path=path!(\"")) {
            let path = line.split("path!(\"").nth(1).and_then(|r| r.split('"').next()).expect("a route path");
            let view = line.split("view=").nth(1).and_then(|r| r.split_whitespace().next()).expect("a route view");
            if heavy_views.contains(&view) {
                seen += 1;
                assert!(HEAVY_ROUTES.contains(&path), "{path} shows {view} but is not in HEAVY_ROUTES");
            }
        }
        assert_eq!(seen, HEAVY_ROUTES.len(), "every heavy route uses a heavy view");
    }
}
