//! The admins' view of the outbox.

use super::api::{outbox_status, RetryMail};
use crate::ui::{format_date, loading, ErrorNotice};
use leptos::prelude::*;

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
                            {(!s.failures.is_empty()).then(|| view! {
                                <ul class="mail-failures">
                                    {s.failures.into_iter().map(|f| view! {
                                        <li>
                                            <strong>{f.subject}</strong> " to " {f.to_address} " · " {format_date(f.created_at)}
                                            " · " {format!("{} attempts: {}", f.attempts, f.last_error)}
                                            <ActionForm action=retry>
                                                <input type="hidden" name="id" value=f.id />
                                                <button type="submit" class="link">"Send again"</button>
                                            </ActionForm>
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
