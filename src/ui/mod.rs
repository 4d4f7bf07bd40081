//! Reusable pieces of the interface: the page frame, navigation, form fields and messages.

use crate::accounts::SessionUser;
use crate::error::{AppError, FieldErrors};
use leptos::prelude::*;
use leptos_router::components::A;

/// Who is signed in, shared by every page; `refresh` re-reads it after sign-in or sign-out.
#[derive(Clone, Copy)]
pub struct Auth {
    pub me: Resource<Result<Option<SessionUser>, AppError>>,
    pub version: RwSignal<u32>,
}

impl Auth {
    pub fn refresh(&self) {
        self.version.update(|v| *v += 1);
    }
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

#[component]
pub fn Nav() -> impl IntoView {
    let auth = use_auth();
    let inbox_count = use_context::<crate::programmes::ui::InboxCount>().map(|c| c.0);
    // Asked only for someone signed in: a refused call during server rendering would set the
    // page's own HTTP status.
    let unread = Resource::new(
        move || {
            let signed_in = auth.me.get().and_then(|m| m.ok()).flatten().map(|u| u.id);
            (signed_in, inbox_count.map(|c| c.get()))
        },
        |(signed_in, _)| async move {
            match signed_in {
                Some(_) => crate::programmes::api::my_inbox().await.map(|i| i.unread).unwrap_or(0),
                None => 0,
            }
        },
    );
    let unread_messages = Resource::new(
        move || auth.me.get().and_then(|m| m.ok()).flatten().map(|u| u.id),
        |signed_in| async move {
            match signed_in {
                Some(_) => crate::pairs::api::unread_messages().await.unwrap_or(0),
                None => 0,
            }
        },
    );
    let sign_out = ServerAction::<crate::accounts::api::SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            auth.refresh();
            let navigate = leptos_router::hooks::use_navigate();
            navigate("/signin", Default::default());
        }
    });
    view! {
        <header class="topbar">
            <a class="skip" href="#main">"Skip to content"</a>
            <A href="/" attr:class="brand">"Upmentor"</A>
            <nav aria-label="Main">
                <Transition fallback=|| ()>
                    {move || {
                        auth.me.get().map(|me| match me {
                            Ok(Some(user)) => {
                                let admin = user.is_admin();
                                view! {
                                    <ul class="nav-links">
                                        <li><A href="/programmes">"Programmes"</A></li>
                                        <li>
                                            <A href="/matches">
                                                "My matches "
                                                <span class="count"
                                                    hidden=move || unread_messages.get().unwrap_or(0) == 0
                                                    aria-label=move || format!("{} unread messages", unread_messages.get().unwrap_or(0))>
                                                    {move || unread_messages.get().unwrap_or(0)}
                                                </span>
                                            </A>
                                        </li>
                                        <li><A href="/people">"People"</A></li>
                                        <li><A href="/profile">"My profile"</A></li>
                                        {admin.then(|| view! { <li><A href="/admin">"Admin"</A></li> })}
                                        <li>
                                            <A href="/inbox">
                                                "Inbox "
                                                // Always present (hidden at 0), so the page hydrates whatever the count.
                                                <span class="count"
                                                    hidden=move || unread.get().unwrap_or(0) == 0
                                                    aria-label=move || format!("{} unread", unread.get().unwrap_or(0))>
                                                    {move || unread.get().unwrap_or(0)}
                                                </span>
                                            </A>
                                        </li>
                                        <li class="me">
                                            <span class="who">{user.name.clone()}</span>
                                            <ActionForm action=sign_out attr:class="inline">
                                                <button type="submit" class="link">"Sign out"</button>
                                            </ActionForm>
                                        </li>
                                    </ul>
                                }
                                .into_any()
                            }
                            _ => view! {
                                <ul class="nav-links">
                                    <li><A href="/signin">"Sign in"</A></li>
                                </ul>
                            }
                            .into_any(),
                        })
                    }}
                </Transition>
            </nav>
        </header>
    }
}

/// Shown in place of a page whose data could not be loaded, with the way forward.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    match error {
        AppError::Unauthenticated => view! {
            <div class="notice" role="alert">
                <p>"Please sign in to see this page."</p>
                <p><a href="/signin">"Sign in"</a></p>
            </div>
        }
        .into_any(),
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
) -> impl IntoView {
    let id = format!("f-{}", name.replace('.', "-"));
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

/// Reads a chosen text file into `into` (the browser half only).
pub fn read_file_into(ev: leptos::ev::Event, into: RwSignal<String>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let file = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0));
        if let Some(file) = file {
            leptos::task::spawn_local(async move {
                if let Ok(value) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    into.set(value.as_string().unwrap_or_default());
                }
            });
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, into);
}

pub fn format_date(unix: i64) -> String {
    // Days since the epoch to a civil date (Howard Hinnant's algorithm); avoids a date crate
    // in the browser build for one display format.
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
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_format_in_utc() {
        assert_eq!(super::format_date(0), "1970-01-01");
        assert_eq!(super::format_date(1_795_000_000), "2026-11-18");
    }
}
