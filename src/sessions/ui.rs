//! Lunch & learn pages: a programme's sessions with the form to propose one, and each
//! session's shared page (seats, the waiting line, materials, discussion, attendance, ratings).

use super::api::{
    get_session, list_sessions, CancelSession, DecideSession, JoinSession, LeaveSession, PostToSession, ProposeSession,
    RateSession, RecordAttendance, SaveMaterials,
};
use super::*;
use crate::ui::{errors_of, reload_on_success, format_date_time, general_message, loading, ErrorNotice, FormStatus, PlainArea, PlainField};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

fn seats_line(c: &SessionCard) -> String {
    let mut line = format!("{} of {} seats taken", c.booked, c.capacity);
    if c.waiting > 0 {
        line.push_str(&format!(" · {} waiting", c.waiting));
    }
    line
}

fn mine_label(c: &SessionCard) -> Option<&'static str> {
    match c.mine {
        Some(Seat::Booked) => Some("You have a seat"),
        Some(Seat::Waiting) => Some("You are on the waiting list"),
        None => None,
    }
}

/// `/programmes/{id}/sessions`.
#[component]
pub fn SessionsPage() -> impl IntoView {
    let id = crate::ui::route_id();
    let list = Resource::new(id, list_sessions);
    view! {
        <Title text="Lunch & learn" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move { match list.await {
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                Ok(l) => view! { <Sessions list=l /> }.into_any(),
            }})}
        </Suspense>
    }
}

#[component]
fn Sessions(list: SessionList) -> impl IntoView {
    let pid = list.programme_id;
    view! {
        <div class="page-head">
            <h1>"Lunch & learn · " {list.programme_name.clone()}</h1>
        </div>
        <p class="muted">{format!("Times are in your timezone, {}.", list.my_timezone)}</p>
        <section class="panel" aria-labelledby="upcoming-h">
            <h2 id="upcoming-h">"Coming up"</h2>
            <SessionCards cards=list.upcoming empty="No session is planned yet: propose one below." />
        </section>
        {(!list.proposals.is_empty()).then(|| view! {
            <section class="panel" aria-labelledby="proposals-h">
                <h2 id="proposals-h">{if list.can_manage { "Proposals to decide" } else { "Your proposals" }}</h2>
                <SessionCards cards=list.proposals empty="" />
            </section>
        })}
        <ProposeForm programme_id=pid timezone=list.my_timezone.clone() />
        {(!list.past.is_empty()).then(|| view! {
            <section class="panel" aria-labelledby="past-h">
                <h2 id="past-h">"Past sessions"</h2>
                <SessionCards cards=list.past empty="" />
            </section>
        })}
    }
}

#[component]
fn SessionCards(cards: Vec<SessionCard>, empty: &'static str) -> impl IntoView {
    if cards.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    view! {
        <ul class="session-list">
            {cards.into_iter().map(|c| {
                let seats = seats_line(&c);
                let mine = mine_label(&c);
                view! {
                    <li data-session=c.id>
                        <A href=format!("/sessions/{}", c.id)><strong>{c.topic.clone()}</strong></A>
                        {(c.status != SessionStatus::Approved).then(|| view! { " " <span class="badge">{c.status.label()}</span> })}
                        <br />
                        <span class="muted">{format!("{} · {} min · {} · hosted by {}", c.when, c.minutes, if c.format == SessionFormat::Online { "online" } else { "in a room" }, c.host_name)}</span>
                        <br />
                        <span>{seats}</span>
                        {mine.map(|m| view! { " " <span class="badge good">{m}</span> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The form to propose a session; the time is in the proposer's timezone.
#[component]
fn ProposeForm(programme_id: i64, timezone: String) -> impl IntoView {
    let propose = ServerAction::<ProposeSession>::new();
    let error = errors_of(propose.value());
    let field = move |name: &'static str| Signal::derive(move || error.get().and_then(|e| e.field_errors().get(name)));
    view! {
        <section class="panel" aria-labelledby="propose-h">
            <h2 id="propose-h">"Propose a session"</h2>
            <p class="muted">"Share something you know over lunch: a tool, a trend, a hobby. The programme's leads approve it, then people take seats."</p>
            <ActionForm action=propose attr:novalidate=true attr:class="session-form">
                <input type="hidden" name="programme_id" value=programme_id />
                <PlainField label="Topic" name="topic" error=field("topic") />
                <PlainArea label="What it is about (optional)" name="description" rows=3 error=field("description") />
                <div class="row">
                    <PlainField label="Date" name="date" kind="date" error=field("date") />
                    <PlainField label=format!("Time ({timezone})") name="time" kind="time" error=field("time") />
                    <PlainField label="Minutes" name="minutes" kind="number" value="45" error=field("minutes") />
                </div>
                <div class="field" class:invalid=move || field("format").get().is_some()>
                    <label for="f-format">"Where"</label>
                    <select id="f-format" name="format">
                        <option value="room">"In a room"</option>
                        <option value="online">"Online"</option>
                    </select>
                    <p class="error">{move || field("format").get()}</p>
                </div>
                <PlainField label="Room, or the meeting's link (https://…)" name="place" error=field("place") />
                <PlainField label="Seats" name="capacity" kind="number" value="12" error=field("capacity") />
                <FormStatus message=Signal::derive(move || general_message(error.get())) />
                <button type="submit" class="primary" disabled=move || propose.pending().get()>"Propose the session"</button>
            </ActionForm>
        </section>
    }
}

/// `/sessions/{id}`: the session's shared page.
#[component]
pub fn SessionPage() -> impl IntoView {
    let id = crate::ui::route_id();
    let actions = Actions::new();
    let page = Resource::new(move || (id(), actions.reload.get()), |(id, _)| get_session(id));
    view! {
        <Title text="Lunch & learn" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move { match page.await {
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                Ok(p) => view! { <SessionView page=p actions /> }.into_any(),
            }})}
        </Suspense>
    }
}

/// Every form of the session page; the page reloads its data after any of them succeeds (and
/// only then: a refused form keeps what was typed, with the message at its field).
#[derive(Clone, Copy)]
struct Actions {
    reload: RwSignal<u32>,
    join: ServerAction<JoinSession>,
    leave: ServerAction<LeaveSession>,
    decide: ServerAction<DecideSession>,
    cancel: ServerAction<CancelSession>,
    materials: ServerAction<SaveMaterials>,
    post: ServerAction<PostToSession>,
    attendance: ServerAction<RecordAttendance>,
    rate: ServerAction<RateSession>,
}

impl Actions {
    fn new() -> Actions {
        let a = Actions {
            reload: RwSignal::new(0),
            join: ServerAction::new(),
            leave: ServerAction::new(),
            decide: ServerAction::new(),
            cancel: ServerAction::new(),
            materials: ServerAction::new(),
            post: ServerAction::new(),
            attendance: ServerAction::new(),
            rate: ServerAction::new(),
        };
        reload_on_success(a.reload, a.join);
        reload_on_success(a.reload, a.leave);
        reload_on_success(a.reload, a.decide);
        reload_on_success(a.reload, a.cancel);
        reload_on_success(a.reload, a.materials);
        reload_on_success(a.reload, a.post);
        reload_on_success(a.reload, a.attendance);
        reload_on_success(a.reload, a.rate);
        a
    }

    /// The last refusal of the seat, decision and cancel buttons, shown under them.
    fn seat_message(&self) -> Signal<Option<(bool, String)>> {
        let (join, leave, decide, cancel) = (errors_of(self.join.value()), errors_of(self.leave.value()), errors_of(self.decide.value()), errors_of(self.cancel.value()));
        Signal::derive(move || general_message(join.get().or(leave.get()).or(decide.get()).or(cancel.get())))
    }
}

#[component]
fn SessionView(page: SessionPage, actions: Actions) -> impl IntoView {
    let p = page;
    let c = p.card.clone();
    let sid = c.id;
    let open = c.status == SessionStatus::Approved && !p.started;
    let seat_message = actions.seat_message();
    let can_leave = open && c.mine.is_some();
    let can_join = open && c.mine.is_none() && !p.is_host;
    let can_cancel = (p.is_host || p.can_manage) && !p.started && matches!(c.status, SessionStatus::Proposed | SessionStatus::Approved);
    let place_line = match c.format {
        SessionFormat::Online => view! { "Online: " <a href=p.place.clone() rel="noopener noreferrer" target="_blank">{p.place.clone()}</a> }.into_any(),
        SessionFormat::Room => view! { "Room: " {p.place.clone()} }.into_any(),
    };
    let seat_text = match (c.mine, p.my_position) {
        (Some(Seat::Booked), _) => Some("You have a seat.".to_string()),
        (Some(Seat::Waiting), Some(n)) => Some(format!("You are number {n} on the waiting list. You get the first seat that frees.")),
        _ => None,
    };
    view! {
        <Title text=c.topic.clone() />
        <p class="muted"><A href=format!("/programmes/{}/sessions", p.programme_id)>{format!("Lunch & learn · {}", p.programme_name)}</A></p>
        <div class="page-head"><h1>{c.topic.clone()}</h1></div>
        <section class="panel" aria-labelledby="when-h">
            <h2 id="when-h" class="sr-only">"When and where"</h2>
            <p><strong>{c.when.clone()}</strong> {format!(" · {} minutes · hosted by {}", c.minutes, c.host_name)}</p>
            <p>{place_line}</p>
            <p class="seats">{seats_line(&c)} {(c.status != SessionStatus::Approved).then(|| view! { " " <span class="badge">{c.status.label()}</span> })}</p>
            {(!p.description.is_empty()).then(|| view! { <p class="description">{p.description.clone()}</p> })}
            {seat_text.map(|t| view! { <p class="form-status ok" role="status">{t}</p> })}
            <div class="actions">
                {can_join.then(|| view! {
                    <ActionForm action=actions.join>
                        <input type="hidden" name="session_id" value=sid />
                        <button type="submit" class="primary" disabled=move || actions.join.pending().get()>{if c.booked >= c.capacity { "Join the waiting list" } else { "Take a seat" }}</button>
                    </ActionForm>
                })}
                {can_leave.then(|| view! {
                    <ActionForm action=actions.leave>
                        <input type="hidden" name="session_id" value=sid />
                        <button type="submit" disabled=move || actions.leave.pending().get()>{if c.mine == Some(Seat::Booked) { "Give up my seat" } else { "Leave the waiting list" }}</button>
                    </ActionForm>
                })}
                {(p.can_manage && c.status == SessionStatus::Proposed).then(|| view! {
                    <ActionForm action=actions.decide>
                        <input type="hidden" name="session_id" value=sid />
                        <input type="hidden" name="decision" value="approve" />
                        <button type="submit" class="primary">"Approve"</button>
                    </ActionForm>
                    <ActionForm action=actions.decide>
                        <input type="hidden" name="session_id" value=sid />
                        <input type="hidden" name="decision" value="decline" />
                        <button type="submit">"Decline"</button>
                    </ActionForm>
                })}
                {can_cancel.then(|| view! {
                    <ActionForm action=actions.cancel>
                        <input type="hidden" name="session_id" value=sid />
                        <button type="submit" class="danger">"Call the session off"</button>
                    </ActionForm>
                })}
            </div>
            <FormStatus message=seat_message />
        </section>
        <Materials page=p.clone() actions />
        <Attendees page=p.clone() actions />
        {p.can_rate.then(|| view! { <RateForm page=p.clone() actions /> })}
        <Discussion page=p actions />
    }
}

#[component]
fn Materials(page: SessionPage, actions: Actions) -> impl IntoView {
    let p = page;
    let error = errors_of(actions.materials.value());
    let editable = p.is_host || p.can_manage;
    view! {
        <section class="panel" aria-labelledby="materials-h">
            <h2 id="materials-h">"Materials"</h2>
            {if p.materials_html.is_empty() {
                view! { <p class="empty">"No materials yet."</p> }.into_any()
            } else {
                view! { <div class="guide-body" inner_html=p.materials_html.clone()></div> }.into_any()
            }}
            {editable.then(|| view! {
                <details>
                    <summary>"Edit the materials"</summary>
                    <ActionForm action=actions.materials attr:novalidate=true>
                        <input type="hidden" name="session_id" value=p.card.id />
                        <PlainArea label="Materials (Markdown: links, lists, headings)" name="materials" value=p.materials.clone() rows=8
                            error=Signal::derive(move || error.get().and_then(|e| e.field_errors().get("materials"))) />
                        <FormStatus message=Signal::derive(move || general_message(error.get())) />
                        <button type="submit">"Save the materials"</button>
                    </ActionForm>
                </details>
            })}
        </section>
    }
}

#[component]
fn Attendees(page: SessionPage, actions: Actions) -> impl IntoView {
    let p = page;
    let sid = p.card.id;
    let records = (p.is_host || p.can_manage) && p.started && p.card.status == SessionStatus::Approved;
    let error = errors_of(actions.attendance.value());
    view! {
        <section class="panel" aria-labelledby="attendees-h">
            <h2 id="attendees-h">{format!("Seats taken ({})", p.attendees.len())}</h2>
            {if p.attendees.is_empty() {
                view! { <p class="empty">"Nobody has taken a seat yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="attendees">
                        {p.attendees.into_iter().map(|a| {
                            let state = match a.attended { Some(true) => " · came", Some(false) => " · did not come", None => "" };
                            let (came_label, absent_label) = (format!("{} came", a.name), format!("{} did not come", a.name));
                            view! {
                                <li>
                                    <A href=format!("/people/{}", a.user_id)>{a.name.clone()}</A> {state}
                                    {records.then(|| view! {
                                        <ActionForm action=actions.attendance attr:class="inline">
                                            <input type="hidden" name="session_id" value=sid />
                                            <input type="hidden" name="user_id" value=a.user_id />
                                            <input type="hidden" name="attended" value="yes" />
                                            <button type="submit" class="link" aria-label=came_label>"Came"</button>
                                        </ActionForm>
                                        <ActionForm action=actions.attendance attr:class="inline">
                                            <input type="hidden" name="session_id" value=sid />
                                            <input type="hidden" name="user_id" value=a.user_id />
                                            <input type="hidden" name="attended" value="no" />
                                            <button type="submit" class="link" aria-label=absent_label>"Did not come"</button>
                                        </ActionForm>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <FormStatus message=Signal::derive(move || general_message(error.get())) />
            {(p.is_host || p.can_manage).then(|| view! {
                <p class="muted">{match p.mean_rating {
                    Some(m) => format!("Rated {m:.1} out of 5 by {} people.", p.ratings),
                    None => format!("{} ratings so far; the mean shows from {} on.", p.ratings, crate::insights::MIN_GROUP),
                }}</p>
            })}
        </section>
    }
}

#[component]
fn RateForm(page: SessionPage, actions: Actions) -> impl IntoView {
    let p = page;
    let error = errors_of(actions.rate.value());
    let field = move |name: &'static str| Signal::derive(move || error.get().and_then(|e| e.field_errors().get(name)));
    let mine = p.my_rating;
    view! {
        <section class="panel" aria-labelledby="rate-h">
            <h2 id="rate-h">"How was it?"</h2>
            {mine.map(|r| view! { <p class="muted">{format!("You rated it {r} out of 5. You can change it.")}</p> })}
            <ActionForm action=actions.rate attr:novalidate=true>
                <input type="hidden" name="session_id" value=p.card.id />
                <fieldset class="field rating" class:invalid=move || field("rating").get().is_some()>
                    <legend>"Your rating"</legend>
                    {(1..=5u8).map(|n| {
                        let id = format!("rate-{n}");
                        let for_id = id.clone();
                        view! { <label class="choice" for=for_id><input type="radio" id=id name="rating" value=n checked=mine == Some(n) />{n}</label> }
                    }).collect_view()}
                    <p class="error">{move || field("rating").get()}</p>
                </fieldset>
                <PlainArea label="A word for the host (optional)" name="comment" rows=2 error=field("comment") />
                <FormStatus message=Signal::derive(move || general_message(error.get())) />
                <button type="submit">"Send my rating"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Discussion(page: SessionPage, actions: Actions) -> impl IntoView {
    let p = page;
    let error = errors_of(actions.post.value());
    view! {
        <section class="panel" aria-labelledby="discussion-h">
            <h2 id="discussion-h">"Discussion"</h2>
            {if p.posts.is_empty() {
                view! { <p class="empty">"No post yet. Ask a question or share a link."</p> }.into_any()
            } else {
                view! {
                    <ol class="posts">
                        {p.posts.into_iter().map(|post| view! {
                            <li data-post=post.id>
                                <p class="muted"><strong>{post.author.clone()}</strong> {format!(" · {}", post.when)}</p>
                                <p class="post-body">{post.body.clone()}</p>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            {(p.card.status != SessionStatus::Declined).then(|| view! {
                <ActionForm action=actions.post attr:novalidate=true>
                    <input type="hidden" name="session_id" value=p.card.id />
                    <input type="hidden" name="client_id" value=p.post_key.clone() />
                    <PlainArea label="Your post" name="body" rows=3 error=Signal::derive(move || error.get().and_then(|e| e.field_errors().get("body"))) />
                    <button type="submit" disabled=move || actions.post.pending().get()>"Post"</button>
                </ActionForm>
            })}
        </section>
    }
}

/// The insights page's lunch & learn panel.
#[component]
pub fn SessionInsights(programme_id: i64, figures: Resource<Result<SessionFigures, AppError>>) -> impl IntoView {
    view! {
        <section class="panel wide" aria-labelledby="sessions-h">
            <h2 id="sessions-h">"Lunch & learn sessions"</h2>
            <p><a href=format!("/programmes/{programme_id}/insights-file/sessions") download rel="external">"Download (CSV)"</a></p>
            <Suspense fallback=loading>
                {move || Suspend::new(async move { match figures.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(f) => view! {
                        <p class="session-figures">{format!(
                            "{} held · {} to come · {} proposals to decide · {} called off. Seats taken in sessions held: {}, of whom {} recorded as came. {} people waiting for a seat.",
                            f.held, f.upcoming, f.proposed, f.cancelled, f.seats, f.attended, f.waiting
                        )}</p>
                        <p>{match f.mean_rating {
                            Some(m) => format!("Mean rating {m:.2} from {} ratings.", f.ratings),
                            None => "No rating yet.".to_string(),
                        }}</p>
                        {(!f.rows.is_empty()).then(|| view! {
                            <div class="table-wrap">
                                <table class="sessions-table">
                                    <thead><tr>
                                        <th scope="col">"Session"</th><th scope="col">"Host"</th><th scope="col">"Starts (UTC)"</th><th scope="col">"Seats"</th>
                                        <th scope="col">"Waiting"</th><th scope="col">"Came"</th><th scope="col">"Ratings"</th><th scope="col">"Mean"</th>
                                    </tr></thead>
                                    <tbody>
                                        {f.rows.into_iter().map(|r| view! {
                                            <tr>
                                                <th scope="row"><A href=format!("/sessions/{}", r.id)>{r.topic.clone()}</A></th>
                                                <td>{r.host.clone()}</td><td>{format_date_time(r.starts_at)}</td>
                                                <td>{format!("{} of {}", r.booked, r.capacity)}</td><td>{r.waiting}</td><td>{r.attended}</td><td>{r.ratings}</td>
                                                <td>{r.mean_rating.map(|m| format!("{m:.1}")).unwrap_or_else(|| "–".into())}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        })}
                    }.into_any(),
                }})}
            </Suspense>
        </section>
    }
}
