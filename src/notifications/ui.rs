//! The inbox page.

use super::api::{mark_inbox_read, my_inbox, my_mail_choices, SaveMailChoices};
use crate::ui::{loading, format_date, ErrorNotice, FormStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn InboxPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let page = Memo::new(move |_| query.with(|q| q.get("page").and_then(|p| p.parse::<i32>().ok()).unwrap_or(0)));
    let items = Resource::new(move || page.get(), my_inbox);
    let read = Action::new(|_: &()| mark_inbox_read());
    let counts = use_context::<InboxCount>();
    Effect::new(move |_| {
        if let Some(Ok(inbox)) = items.get() {
            if inbox.unread > 0 && read.value().get_untracked().is_none() {
                read.dispatch(());
            }
        }
    });
    Effect::new(move |_| {
        if let (Some(Ok(())), Some(c)) = (read.value().get(), counts) {
            c.0.update(|v| *v += 1);
        }
    });
    view! {
        <Title text="Inbox" />
        <h1>"Inbox"</h1>
        <Suspense fallback=loading>
            {move || Suspend::new(async move { match items.await {
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                Ok(inbox) if inbox.items.is_empty() => view! { <p class="empty">"Nothing here yet."</p> }.into_any(),
                Ok(inbox) => view! {
                    <p class="count">{format!("{} {}", inbox.total, if inbox.total == 1 { "notification" } else { "notifications" })}</p>
                    <ul class="inbox">
                        {inbox.items.into_iter().map(|n| view! {
                            <li class:unread=!n.read>
                                <p><strong>{n.title.clone()}</strong> <span class="muted">" · " {format_date(n.created_at)}</span></p>
                                <p>{n.body.clone()}</p>
                                {(!n.link.is_empty()).then(|| view! { <A href=n.link.clone()>"Open"</A> })}
                            </li>
                        }).collect_view()}
                    </ul>
                    {crate::ui::pager(inbox.total, inbox.page, inbox.page_size, |n| format!("/inbox{}", crate::ui::query_string(&[("page", crate::ui::page_param(n))])))}
                }.into_any(),
            }})}
        </Suspense>
    }
}

/// Bumped to re-read the unread count in the navigation.
#[derive(Clone, Copy)]
pub struct InboxCount(pub RwSignal<u32>);

/// The person's choice of mail, kind by kind, on their profile page. Works without JavaScript:
/// the form posts and the page comes back with the choice saved.
#[component]
pub fn MailChoicesPanel() -> impl IntoView {
    let save = ServerAction::<SaveMailChoices>::new();
    let choices = Resource::new(move || save.version().get(), |_| my_mail_choices());
    view! {
        <section class="panel" aria-labelledby="mail-h">
            <h2 id="mail-h">"Mail"</h2>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match choices.await {
                        Ok(c) if !c.mail_enabled => view! {
                            <p class="muted">"This site sends no mail: everything arrives in your inbox here."</p>
                        }.into_any(),
                        Ok(c) => view! {
                            <p>"Everything arrives in your inbox here. Which of it should also come by mail?"</p>
                            <ActionForm action=save>
                                <fieldset>
                                    <legend>"Also by mail"</legend>
                                    {c.kinds.into_iter().map(|(kind, on)| view! {
                                        <label class="check">
                                            <input type="checkbox" name=kind.as_str() checked=on />
                                            " " {kind.label()}
                                        </label>
                                    }).collect_view()}
                                </fieldset>
                                <FormStatus message=Signal::derive(move || match save.value().get() {
                                    Some(Ok(())) => Some((true, "Saved.".into())),
                                    Some(Err(e)) => Some((false, e.to_string())),
                                    None => None,
                                }) />
                                <button type="submit" disabled=move || save.pending().get()>"Save mail choices"</button>
                            </ActionForm>
                        }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
