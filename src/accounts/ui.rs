//! Pages for signing in, accepting an invitation, and the admin area.

use super::api::{AcceptInvite, ChangePassword, ForgotPassword, ResetPassword, SignIn, invitation, invite_person, pending_invites, reissue_invite, reset_info};
use super::{InviteLink, PersonInput};
use crate::error::AppError;
use crate::profiles::level_label;
use crate::ui::{errors_of, format_date, general_message, ErrorNotice, FormStatus, Outcome, PlainField, TextField};
use super::{safe_next, use_auth};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};


#[component]
pub fn SignInPage() -> impl IntoView {
    let auth = use_auth();
    let action = ServerAction::<SignIn>::new();
    let error = errors_of(action.value());
    let query = use_query_map();
    Effect::new(move |_| {
        if let Some(Ok(user)) = action.value().get() {
            auth.signed_in(user);
            let next = query.with_untracked(|q| q.get("next"));
            use_navigate()(next.as_deref().and_then(safe_next).unwrap_or("/"), Default::default());
        }
    });
    let field = move |name: &'static str| Signal::derive(move || error.get().and_then(|e| e.field_errors().get(name)));
    view! {
        <Title text="Sign in" />
        <section class="narrow">
            <h1>"Sign in"</h1>
            {move || auth.user().map(|u| view! {
                <p class="notice">"You are signed in as " {u.name} ". " <a href="/">"Continue"</a></p>
            })}
            <ActionForm action=action attr:novalidate=true>
                <PlainField label="Work email" name="email" kind="email" autocomplete="username" error=field("email") />
                <PlainField label="Password" name="password" kind="password" autocomplete="current-password" error=field("password") />
                <FormStatus message=Signal::derive(move || general_message(error.get())) />
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <p class="hint">
                <a href="/forgot">"Forgot your password?"</a>
                " New here? Your programme admin sends you a link to set your password."
            </p>
        </section>
    }
}

/// What the forgotten-password page says once a request is in, whatever the address.
const SENT: &str = "If that address has an account here, a reset link is on its way. Check your inbox, and your spam folder.";

/// Asking for a password reset link by mail. The answer is the same for every address.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let error = errors_of(action.value());
    let query = use_query_map();
    let sent = move || query.with(|q| q.get("sent").is_some());
    let field = move |name: &'static str| Signal::derive(move || error.get().and_then(|e| e.field_errors().get(name)));
    view! {
        <Title text="Forgot your password" />
        <section class="narrow">
            <h1>"Forgot your password"</h1>
            <p>"Enter your work email. If it belongs to an account here, a link to choose a new password arrives within a few minutes; it works once, for an hour."</p>
            <ActionForm action=action attr:novalidate=true>
                <PlainField label="Work email" name="email" kind="email" autocomplete="username" error=field("email") />
                <FormStatus message=Signal::derive(move || match action.value().get() {
                    Some(Err(e)) => general_message(Some(e)),
                    Some(Ok(())) => Some((true, SENT.into())),
                    None => sent().then(|| (true, SENT.into())),
                }) />
                <button type="submit" class="primary" disabled=move || action.pending().get()>"Send me a link"</button>
            </ActionForm>
            <p class="hint"><a href="/signin">"Back to sign in"</a></p>
        </section>
    }
}

/// Choosing a new password with a mailed reset link.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let info = Resource::new(token, reset_info);
    let auth = use_auth();
    let action = ServerAction::<ResetPassword>::new();
    let error = errors_of(action.value());
    Effect::new(move |_| {
        if let Some(Ok(user)) = action.value().get() {
            auth.signed_in(user);
            use_navigate()("/", Default::default());
        }
    });
    let field = move |name: &'static str| Signal::derive(move || error.get().and_then(|e| e.field_errors().get(name)));
    view! {
        <Title text="Choose a new password" />
        <section class="narrow">
            <h1>"Choose a new password"</h1>
            <Suspense fallback=|| view! { <p>"Checking your link…"</p> }>
                {move || Suspend::new(async move { match info.await {
                    Ok(info) => view! {
                        <p>"A new password for " <strong>{info.name}</strong> " (" {info.email} "). You will be signed out everywhere else."</p>
                        <ActionForm action=action attr:novalidate=true>
                            <input type="hidden" name="token" value=token() />
                            <PlainField label="New password (at least 10 characters)" name="password" kind="password" autocomplete="new-password" error=field("password") />
                            <PlainField label="Repeat the password" name="confirm" kind="password" autocomplete="new-password" error=field("confirm") />
                            <FormStatus message=Signal::derive(move || match error.get() {
                                Some(AppError::NotFound) => Some((false, "This link has already been used or has expired.".into())),
                                other => general_message(other),
                            }) />
                            <button type="submit" class="primary" disabled=move || action.pending().get()>"Set password and sign in"</button>
                        </ActionForm>
                    }.into_any(),
                    Err(AppError::NotFound) => {
                        crate::ui::page_status(&AppError::NotFound);
                        view! {
                            <div class="notice" role="alert">
                                <p>"This link is not valid: it may have been used already or have expired. " <a href="/forgot">"Ask for a new one"</a> "."</p>
                            </div>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }})}
            </Suspense>
        </section>
    }
}

#[component]
pub fn AcceptInvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let info = Resource::new(token, invitation);
    let auth = use_auth();
    let action = ServerAction::<AcceptInvite>::new();
    let error = errors_of(action.value());
    Effect::new(move |_| {
        if let Some(Ok(user)) = action.value().get() {
            auth.signed_in(user);
            use_navigate()("/profile", Default::default());
        }
    });
    let field = move |name: &'static str| Signal::derive(move || error.get().and_then(|e| e.field_errors().get(name)));
    view! {
        <Title text="Set your password" />
        <section class="narrow">
            <h1>"Welcome to Upmentor"</h1>
            <Suspense fallback=|| view! { <p>"Checking your invitation…"</p> }>
                {move || Suspend::new(async move { match info.await {
                    Ok(info) => view! {
                        <p>"Set a password for " <strong>{info.name}</strong> " (" {info.email} ")."</p>
                        <ActionForm action=action attr:novalidate=true>
                            <input type="hidden" name="token" value=token() />
                            <PlainField label="New password (at least 10 characters)" name="password" kind="password" autocomplete="new-password" error=field("password") />
                            <PlainField label="Repeat the password" name="confirm" kind="password" autocomplete="new-password" error=field("confirm") />
                            <FormStatus message=Signal::derive(move || match error.get() {
                                Some(AppError::NotFound) => Some((false, "This invitation has already been used or has expired.".into())),
                                other => general_message(other),
                            }) />
                            <button type="submit" class="primary" disabled=move || action.pending().get()>"Set password and sign in"</button>
                        </ActionForm>
                    }.into_any(),
                    Err(AppError::NotFound) => {
                        crate::ui::page_status(&AppError::NotFound);
                        view! {
                        <div class="notice" role="alert">
                            <p>"This invitation link is not valid: it may have been used already or have expired. Ask your programme admin for a new one."</p>
                        </div>
                    }.into_any()
                    },
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }})}
            </Suspense>
        </section>
    }
}

/// Changing one's own password; every other session of the person ends.
#[component]
pub fn ChangePasswordForm() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let error = errors_of(action.value());
    let field = move |name: &'static str| Signal::derive(move || error.get().and_then(|e| e.field_errors().get(name)));
    view! {
        <section class="panel" aria-labelledby="password-h">
            <h2 id="password-h">"Password"</h2>
            <ActionForm action=action attr:novalidate=true>
                <PlainField label="Current password" name="current" kind="password" autocomplete="current-password" error=field("current") />
                <PlainField label="New password (at least 10 characters)" name="password" kind="password" autocomplete="new-password" error=field("password") />
                <PlainField label="Repeat the new password" name="confirm" kind="password" autocomplete="new-password" error=field("confirm") />
                <FormStatus message=Signal::derive(move || match action.value().get() {
                    Some(Ok(())) => Some((true, "Your password is changed; you are signed out everywhere else.".into())),
                    Some(Err(e)) => general_message(Some(e)),
                    None => None,
                }) />
                <button type="submit" disabled=move || action.pending().get()>"Change password"</button>
            </ActionForm>
        </section>
    }
}

fn absolute(path: &str) -> String {
    #[cfg(feature = "hydrate")]
    if let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) {
        return format!("{origin}{path}");
    }
    path.to_string()
}

/// One invitation link with its copy button.
#[component]
pub fn InviteLinkRow(link: InviteLink) -> impl IntoView {
    let url = absolute(&link.path);
    view! {
        <li class="invite-link">
            <span>{link.name} " · " {link.email} " · valid until " {format_date(link.expires_at)} {link.mailed.then_some(" · sent by mail")}</span>
            <crate::ui::CopyField value=url label="One-time link to copy" />
        </li>
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Title text="Admin" />
        <h1>"Admin"</h1>
        {move || match auth.user() {
            Some(user) if user.is_admin() => view! { <AdminTools /> }.into_any(),
            Some(_) => view! { <ErrorNotice error=AppError::Forbidden /> }.into_any(),
            None => view! { <ErrorNotice error=AppError::Unauthenticated /> }.into_any(),
        }}
    }
}

#[component]
fn AdminTools() -> impl IntoView {
    let refresh_pending = RwSignal::new(0u32);
    view! {
        <div class="admin-grid">
            <InviteForm on_done=move || refresh_pending.update(|v| *v += 1) />
            <crate::people::ui::PeopleSync on_done=move || refresh_pending.update(|v| *v += 1) />
            <PendingList refresh=refresh_pending />
            <crate::mail::ui::MailPanel />
        </div>
    }
}

#[component]
fn InviteForm(on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let job_title = RwSignal::new(String::new());
    let level = RwSignal::new("3".to_string());
    let department = RwSignal::new(String::new());
    let manager_email = RwSignal::new(String::new());
    let location = RwSignal::new(String::new());
    let timezone = RwSignal::new("UTC".to_string());
    let form = Outcome::new();
    let (errors, status) = (form.errors, form.status);
    let created = RwSignal::new(None::<InviteLink>);
    let send = Action::new(move |person: &PersonInput| invite_person(person.clone()));
    form.follow(send, move |link| {
        form.done(format!("{} is invited. Copy the link below and send it to them.", link.name));
        created.set(Some(link));
        for s in [name, email, job_title, manager_email, location] {
            s.set(String::new());
        }
        on_done();
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let person = PersonInput {
            name: name.get_untracked(),
            email: email.get_untracked(),
            job_title: job_title.get_untracked(),
            level: level.get_untracked(),
            department: department.get_untracked(),
            manager_email: manager_email.get_untracked(),
            location: location.get_untracked(),
            timezone: timezone.get_untracked(),
        };
        // The same rules as the server, at once; the server checks the timezone name itself.
        match person.validate(|tz| Ok(tz.to_string())) {
            Err(e) => {
                errors.set(e.field_errors());
                status.set(Some((false, e.to_string())));
            }
            Ok(_) => {
                status.set(None);
                send.dispatch(person);
            }
        }
    };
    view! {
        <section class="panel" aria-labelledby="invite-h">
            <h2 id="invite-h">"Invite someone"</h2>
            <form on:submit=submit novalidate>
                <TextField label="Name" name="name".to_string() value=name errors=errors />
                <TextField label="Work email" name="email".to_string() value=email errors=errors kind="email" />
                <TextField label="Job title" name="job_title".to_string() value=job_title errors=errors />
                <div class="field">
                    <label for="f-invite-level">"Level"</label>
                    <select id="f-invite-level" name="level" on:change=move |ev| level.set(event_target_value(&ev))>
                        {(1..=10).map(|l| view! { <option value=l.to_string() selected=move || level.get() == l.to_string()>{level_label(l)}</option> }).collect_view()}
                    </select>
                    <p class="error">{move || errors.with(|e| e.get("level"))}</p>
                </div>
                <TextField label="Department" name="department".to_string() value=department errors=errors />
                <TextField label="Manager's email (optional)" name="manager_email".to_string() value=manager_email errors=errors kind="email" />
                <TextField label="Location" name="location".to_string() value=location errors=errors />
                <TextField label="Timezone" name="timezone".to_string() value=timezone errors=errors hint="An IANA name such as Europe/London or America/New_York." />
                <FormStatus message=status />
                <button type="submit" class="primary" disabled=move || send.pending().get()>"Create invitation"</button>
            </form>
            {move || created.get().map(|link| view! { <ul class="links"><InviteLinkRow link /></ul> })}
        </section>
    }
}

#[component]
fn PendingList(refresh: RwSignal<u32>) -> impl IntoView {
    // The filters live in the page's address: a search survives a reload and works without JavaScript.
    let map = use_query_map();
    let query = Memo::new(move |_| {
        map.with(|m| super::InviteQuery {
            q: m.get("invites_q").unwrap_or_default(),
            state: m.get("invites_state").unwrap_or_default(),
            page: m.get("invites_page").and_then(|p| p.parse().ok()).unwrap_or(0),
        })
    });
    let pending = Resource::new(move || (refresh.get(), query.get()), |(_, q)| pending_invites(q));
    let reissued = RwSignal::new(Vec::<InviteLink>::new());
    let reissue = Action::new(move |id: &i64| reissue_invite(*id));
    Effect::new(move |_| {
        if let Some(Ok(link)) = reissue.value().get() {
            reissued.update(|v| {
                v.retain(|l| l.user_id != link.user_id);
                v.insert(0, link);
            });
        }
    });
    let link = move |page: i32| {
        let q = query.get_untracked();
        format!("/admin{}#pending", crate::ui::query_string(&[("invites_q", q.q), ("invites_state", q.state), ("invites_page", crate::ui::page_param(page))]))
    };
    view! {
        <section class="panel" aria-labelledby="pending-h" id="pending">
            <h2 id="pending-h">"Waiting to set a password"</h2>
            {move || {
                let q = query.get();
                view! {
                    <leptos_router::components::Form method="GET" action="/admin" attr:class="filters" attr:role="search" attr:aria-label="Search the invitations">
                        <div class="field">
                            <label for="f-invites-q">"Name, email or department"</label>
                            <input id="f-invites-q" name="invites_q" type="search" value=q.q.clone() maxlength=crate::ui::MAX_SEARCH.to_string() />
                        </div>
                        <div class="field">
                            <label for="f-invites-state">"Link"</label>
                            <select id="f-invites-state" name="invites_state">
                                {[("", "Any"), ("live", "Still valid"), ("none", "Expired or never made")].into_iter().map(|(value, text)| {
                                    view! { <option value=value selected=q.state == value>{text}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <button type="submit">"Search"</button>
                    </leptos_router::components::Form>
                }
            }}
            <ul class="links">{move || reissued.get().into_iter().map(|link| view! { <InviteLinkRow link /> }).collect_view()}</ul>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move { match pending.await {
                    Ok(page) if page.total == 0 && query.get_untracked() == super::InviteQuery::default() => view! { <p>"Everyone invited has set a password."</p> }.into_any(),
                    Ok(page) => view! {
                        <p class="count" aria-live="polite">{format!("{} {} match (newest first)", page.total, if page.total == 1 { "person" } else { "people" })}</p>
                        <ul class="pending">
                            {page.items.into_iter().map(|p| {
                                let id = p.user_id;
                                view! {
                                    <li>
                                        <span>{p.name} " · " {p.email}</span>
                                        <button type="button" class="small" on:click=move |_| { reissue.dispatch(id); }>"New link"</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {crate::ui::pager(page.total, page.page, page.page_size, link)}
                    }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }})}
            </Transition>
        </section>
    }
}
