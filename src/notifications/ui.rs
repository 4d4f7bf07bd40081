//! The inbox page.

use super::api::{mark_inbox_read, my_inbox};
use crate::ui::{loading, format_date, ErrorNotice};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn InboxPage() -> impl IntoView {
    let items = Resource::new(|| (), |_| my_inbox());
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
                    <ul class="inbox">
                        {inbox.items.into_iter().map(|n| view! {
                            <li class:unread=!n.read>
                                <p><strong>{n.title.clone()}</strong> <span class="muted">" · " {format_date(n.created_at)}</span></p>
                                <p>{n.body.clone()}</p>
                                {(!n.link.is_empty()).then(|| view! { <A href=n.link.clone()>"Open"</A> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }})}
        </Suspense>
    }
}

/// Bumped to re-read the unread count in the navigation.
#[derive(Clone, Copy)]
pub struct InboxCount(pub RwSignal<u32>);
