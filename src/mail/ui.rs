//! The admins' view of the outbox.

use super::api::{outbox_status, unsubscribe_info, RetryMail, Unsubscribe};
use crate::error::AppError;
use crate::ui::{format_date, format_date_time, loading, ErrorNotice, FormStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Mail waiting, sent and failed, with the latest failures and a retry for each.
#[component]
pub fn MailPanel() -> impl IntoView {
    let retry = ServerAction::<RetryMail>::new();
    let status = Resource::new(move || retry.version().get(), |_| outbox_status());
    view! {
        <section class="panel" aria-labelledby="outbox-h">
            <h2 id="outbox-h">"Mail sent by this site"</h2>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) if !s.enabled && s.queued + s.failed == 0 => view! {
                            <p class="muted">"No mail server is set up (UPMENTOR_SMTP_URL), so nobody gets mail: copy invitation links by hand."</p>
                        }.into_any(),
                        Ok(s) => view! {
                            <p>{format!("{} waiting · {} sent in the last day · {} failed", s.queued, s.sent_last_day, s.failed)}</p>
                            {s.paused_until.map(|at| view! {
                                <p class="notice" role="status">"The mail server cannot be reached: mail waits, and nothing is lost. Next try after "
                                    <time>{format_date_time(at)} " UTC"</time> "."</p>
                            })}
                            {(!s.waiting.is_empty()).then(|| view! {
                                <h3>"Waiting longest"</h3>
                                <ul class="mail-waiting">
                                    {s.waiting.into_iter().map(|w| view! {
                                        <li>
                                            <strong>{w.subject}</strong> " to " {w.to_address} " · queued " {format_date(w.created_at)}
                                            {(!w.last_error.is_empty()).then(|| format!(" · last try: {}", w.last_error))}
                                            {w.next_attempt_at.map(|at| view! { " · next try after " <time>{format_date_time(at)} " UTC"</time> })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            })}
                            {(!s.failures.is_empty()).then(|| view! {
                                <h3>"Failed"</h3>
                                <ul class="mail-failures">
                                    {s.failures.into_iter().map(|f| view! {
                                        <li>
                                            <strong>{f.subject}</strong> " to " {f.to_address} " · " {format_date(f.created_at)}
                                            " · " {format!("{} attempts: {}", f.attempts, f.last_error)}
                                            {f.retryable.then(|| view! {
                                                <ActionForm action=retry>
                                                    <input type="hidden" name="id" value=f.id />
                                                    <button type="submit" class="link">"Send again"</button>
                                                </ActionForm>
                                            })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            })}
                        }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The page a chat summary's "no more of these" link opens: one button, no sign-in.
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let who = Resource::new(token, unsubscribe_info);
    let action = ServerAction::<Unsubscribe>::new();
    let query = use_query_map();
    let done = move || query.with(|q| q.get("done").is_some());
    view! {
        <Title text="Chat summaries" />
        <section class="narrow">
            <h1>"Chat summaries by mail"</h1>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match who.await {
                        Ok(name) => view! {
                            <p>"Stop the mails that sum up unread chat messages for " <strong>{name}</strong> "? Your messages stay in Upmentor, and you can turn the summaries on again on your profile."</p>
                            <ActionForm action=action>
                                <input type="hidden" name="token" value=token() />
                                <FormStatus message=Signal::derive(move || match action.value().get() {
                                    Some(Err(e)) => Some((false, e.to_string())),
                                    Some(Ok(())) => Some((true, "Done: no more chat summaries by mail.".into())),
                                    None => done().then(|| (true, "Done: no more chat summaries by mail.".into())),
                                }) />
                                <button type="submit" class="primary" disabled=move || action.pending().get()>"Stop chat summaries"</button>
                            </ActionForm>
                        }.into_any(),
                        Err(AppError::NotFound) => {
                            crate::ui::page_status(&AppError::NotFound);
                            view! { <div class="notice" role="alert"><p>"This link is not valid."</p></div> }.into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
