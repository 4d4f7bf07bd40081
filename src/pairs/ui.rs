//! The pair workspace page: goals, check-ins, chat, feedback, survey and roadblocks.

use super::api::*;
use super::*;
use crate::programmes::RequestStatus;
use crate::ui::{loading, format_date, ErrorNotice, FormStatus, Outcome, TextField};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

#[component]
pub fn WorkspacePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(-1));
    let version = RwSignal::new(0u32);
    let data = Resource::new(move || (id(), version.get()), |(id, _)| load_workspace(id));
    let refresh = move || version.update(|v| *v += 1);
    view! {
        <Title text="Pair workspace" />
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move { match data.await {
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                Ok(w) => view! { <WorkspaceView w refresh /> }.into_any(),
            }})}
        </Suspense>
    }
}

#[component]
fn WorkspaceView(w: Workspace, refresh: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let pair_id = w.pair_id;
    let role = if w.i_am_mentor { w.kind.mentee_word() } else { w.kind.mentor_word() };
    let goals_for_chat: Vec<(i64, String)> = w.goals.iter().map(|g| (g.id, g.title.clone())).collect();
    let checkins_for_chat: Vec<(i64, String)> = w.checkins.iter().map(|c| (c.id, c.my_time.clone())).collect();
    view! {
        <div class="page-head">
            <h1>{w.partner.name.clone()}</h1>
        </div>
        <p class="muted">{format!("Your {role} in {} · {}, {} · {}", w.programme_name, w.partner.job_title, w.partner.department, w.partner_timezone)}</p>
        <div class="workspace">
            <div class="workspace-main">
                <Goals w=w.clone() refresh />
                <Checkins w=w.clone() refresh />
                <AfterCycle w=w.clone() />
                <crate::training::ui::WorkspaceGuides
                    programme_id=w.programme_id
                    role=if w.i_am_mentor { crate::programmes::EnrolRole::Mentor } else { crate::programmes::EnrolRole::Mentee }
                    guides=w.guides.clone()
                    partner_role=if w.i_am_mentor { crate::programmes::EnrolRole::Mentee } else { crate::programmes::EnrolRole::Mentor }
                    partner_guides=w.partner_guides.clone() />
            </div>
            <Chat pair_id me=w.me.id partner=w.partner.name.clone() goals=goals_for_chat checkins=checkins_for_chat />
        </div>
    }
}

#[component]
fn Goals(w: Workspace, refresh: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let pair_id = w.pair_id;
    let mine = if w.i_am_mentor { GoalSide::Mentor } else { GoalSide::Mentee };
    let side = RwSignal::new(mine.as_str().to_string());
    let title = RwSignal::new(String::new());
    let measure = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let milestones = RwSignal::new(String::new());
    let form = Outcome::new();
    let (errors, status) = (form.errors, form.status);
    let add = Action::new(move |input: &GoalInput| add_goal(pair_id, input.clone()));
    form.follow(add, move |_| {
        for s in [title, measure, target, milestones] {
            s.set(String::new());
        }
        form.done("Goal added.");
        refresh();
    });
    let change = Action::new(move |(goal, value): &(i64, String)| set_goal_status(*goal, value.clone()));
    let tick = Action::new(move |(m, done): &(i64, bool)| set_milestone(*m, *done));
    let remove = Action::new(move |goal: &i64| delete_goal(*goal));
    Effect::new(move |_| {
        let changed = change.value().get().is_some() || tick.value().get().is_some() || remove.value().get().is_some();
        if changed {
            refresh();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = GoalInput {
            side: side.get_untracked(),
            title: title.get_untracked(),
            measure: measure.get_untracked(),
            target_date: target.get_untracked(),
            status: String::new(),
            milestones: milestones.get_untracked(),
        };
        if form.checked(input.validate()) {
            add.dispatch(input);
        }
    };
    let groups = [
        (GoalSide::Mentee, format!("What the {} learns", w.kind.mentee_word())),
        (GoalSide::Mentor, format!("What the {} gains", w.kind.mentor_word())),
    ];
    let templates = w.templates.clone();
    view! {
        <section class="panel" aria-labelledby="goals-h">
            <h2 id="goals-h">"Goals"</h2>
            {groups.into_iter().map(|(g, heading)| {
                let list: Vec<Goal> = w.goals.iter().filter(|x| x.side == g).cloned().collect();
                view! {
                    <h3>{heading}</h3>
                    {if list.is_empty() {
                        view! { <p class="empty">"No goal yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="goals">
                                {list.into_iter().map(|goal| {
                                    let gid = goal.id;
                                    let progress = goal.progress();
                                    let label = format!("Status of {}", goal.title);
                                    view! {
                                        <li class="goal" data-goal=gid>
                                            <p><strong>{goal.title.clone()}</strong>
                                                {(!goal.target_date.is_empty()).then(|| format!(" · by {}", goal.target_date))}</p>
                                            {(!goal.measure.is_empty()).then(|| view! { <p class="muted">"Measured by: " {goal.measure.clone()}</p> })}
                                            <div class="goal-bar">
                                                <progress max="100" value=progress aria-label=format!("Progress of {}", goal.title)>{progress}"%"</progress>
                                                <span>{format!(" {progress}%")}</span>
                                                <select aria-label=label on:change=move |ev| { change.dispatch((gid, event_target_value(&ev))); }>
                                                    {GoalStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=s == goal.status>{s.label()}</option> }).collect_view()}
                                                </select>
                                                <button class="link" on:click=move |_| { remove.dispatch(gid); }>"Remove"</button>
                                            </div>
                                            <ul class="milestones">
                                                {goal.milestones.iter().map(|m| {
                                                    let (mid, done) = (m.id, m.done);
                                                    let id = format!("ms-{mid}");
                                                    let for_id = id.clone();
                                                    view! {
                                                        <li>
                                                            <label class="choice" for=for_id>
                                                                <input type="checkbox" id=id checked=done on:change=move |ev| { tick.dispatch((mid, event_target_checked(&ev))); } />
                                                                {m.title.clone()}
                                                            </label>
                                                        </li>
                                                    }
                                                }).collect_view()}
                                            </ul>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                }
            }).collect_view()}
            <details class="add">
                <summary>"Add a goal"</summary>
                <form on:submit=submit novalidate>
                    <div class="field">
                        <label for="f-goal-side">"Whose goal"</label>
                        <select id="f-goal-side" on:change=move |ev| side.set(event_target_value(&ev))>
                            <option value="mentee" selected=move || side.get() == "mentee">{format!("The {}'s learning goal", w.kind.mentee_word())}</option>
                            <option value="mentor" selected=move || side.get() == "mentor">{format!("What the {} gains", w.kind.mentor_word())}</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for="f-goal-template">"Start from a template (optional)"</label>
                        <select id="f-goal-template" on:change=move |ev| { let v = event_target_value(&ev); if !v.is_empty() { title.set(v); } }>
                            <option value="">"—"</option>
                            {templates.into_iter().map(|t| view! { <option value=t.clone()>{t.clone()}</option> }).collect_view()}
                        </select>
                    </div>
                    <TextField label="What (the goal)" name="title".to_string() value=title errors=errors />
                    <TextField label="How it is measured" name="measure".to_string() value=measure errors=errors />
                    <TextField label="Target date" name="target_date".to_string() value=target errors=errors kind="date" />
                    <div class="field" class:invalid=move || errors.with(|e| e.get("milestones").is_some())>
                        <label for="f-milestones">"Milestones, one per line"</label>
                        <textarea id="f-milestones" rows="3" prop:value=move || milestones.get() on:input=move |ev| milestones.set(event_target_value(&ev))></textarea>
                        <p class="error">{move || errors.with(|e| e.get("milestones"))}</p>
                    </div>
                    <FormStatus message=status />
                    <button type="submit" class="primary" disabled=move || add.pending().get()>"Add goal"</button>
                </form>
            </details>
        </section>
    }
}

#[component]
fn Checkins(w: Workspace, refresh: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let pair_id = w.pair_id;
    let date = RwSignal::new(String::new());
    let time = RwSignal::new(String::new());
    let minutes = RwSignal::new("30".to_string());
    let format = RwSignal::new("remote".to_string());
    let agenda = RwSignal::new(String::new());
    let form = Outcome::new();
    let (errors, status) = (form.errors, form.status);
    let add = Action::new(move |input: &CheckinInput| add_checkin(pair_id, input.clone()));
    form.follow(add, move |_| {
        form.done("Check-in scheduled.");
        agenda.set(String::new());
        refresh();
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = CheckinInput { date: date.get_untracked(), time: time.get_untracked(), minutes: minutes.get_untracked(), format: format.get_untracked(), agenda: agenda.get_untracked() };
        if form.checked(input.validate()) {
            add.dispatch(input);
        }
    };
    let now = crate::ui::use_clock().now();
    let (upcoming, past): (Vec<Checkin>, Vec<Checkin>) =
        w.checkins.iter().cloned().partition(|c| c.status == CheckinStatus::Scheduled && c.starts_at + i64::from(c.minutes) * 60 > now);
    let suggestions = w.suggestions.clone();
    view! {
        <section class="panel" aria-labelledby="checkins-h">
            <h2 id="checkins-h">"Check-ins"</h2>
            <h3>"Upcoming"</h3>
            {if upcoming.is_empty() { view! { <p class="empty">"Nothing scheduled."</p> }.into_any() } else {
                view! { <ul class="checkins">{upcoming.into_iter().map(|c| view! { <CheckinItem c refresh /> }).collect_view()}</ul> }.into_any()
            }}
            <details class="add" open=w.checkins.is_empty()>
                <summary>"Schedule a check-in"</summary>
                {(!suggestions.is_empty()).then(|| view! {
                    <p class="hint">"Times you are both free:"</p>
                    <ul class="slots">
                        {suggestions.into_iter().map(|s| {
                            let (d, t, m) = (s.date.clone(), s.time.clone(), s.minutes);
                            view! { <li><button class="link" on:click=move |_| { date.set(d.clone()); time.set(t.clone()); minutes.set(m.to_string()); }>{s.my_time.clone()}</button>
                                <span class="muted">{format!(" · for them {}", s.partner_time)}</span></li> }
                        }).collect_view()}
                    </ul>
                })}
                <form on:submit=submit novalidate>
                    <div class="row">
                        <TextField label="Date" name="date".to_string() value=date errors=errors kind="date" />
                        <TextField label="Time (your timezone)" name="time".to_string() value=time errors=errors kind="time" />
                        <TextField label="Minutes" name="minutes".to_string() value=minutes errors=errors kind="number" />
                    </div>
                    <div class="field">
                        <label for="f-format">"Format"</label>
                        <select id="f-format" on:change=move |ev| format.set(event_target_value(&ev))>
                            <option value="remote">"Remote"</option>
                            <option value="in_person">"In person"</option>
                        </select>
                        <p class="error">{move || errors.with(|e| e.get("format"))}</p>
                    </div>
                    <div class="field" class:invalid=move || errors.with(|e| e.get("agenda").is_some())>
                        <label for="f-agenda">"Agenda, one item per line"</label>
                        <textarea id="f-agenda" rows="3" prop:value=move || agenda.get() on:input=move |ev| agenda.set(event_target_value(&ev))></textarea>
                        <p class="error">{move || errors.with(|e| e.get("agenda"))}</p>
                    </div>
                    <FormStatus message=status />
                    <button type="submit" class="primary" disabled=move || add.pending().get()>"Schedule"</button>
                </form>
            </details>
            <h3>"Past"</h3>
            {if past.is_empty() { view! { <p class="empty">"None yet."</p> }.into_any() } else {
                view! { <ul class="checkins">{past.into_iter().rev().map(|c| view! { <CheckinItem c refresh /> }).collect_view()}</ul> }.into_any()
            }}
        </section>
    }
}

#[component]
fn CheckinItem(c: Checkin, refresh: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let cid = c.id;
    let shared = RwSignal::new(c.shared_notes.clone());
    let private = RwSignal::new(c.private_note.clone());
    let notes = Outcome::new();
    let notes_status = notes.status;
    let save = Action::new(move |_: &()| save_checkin_notes(cid, shared.get_untracked(), private.get_untracked()));
    notes.follow(save, move |()| notes.done("Notes saved."));
    let mark = Action::new(move |s: &&'static str| set_checkin_status(cid, s.to_string()));
    Effect::new(move |_| {
        if let Some(Ok(())) = mark.value().get() {
            refresh();
        }
    });
    let held = c.status == CheckinStatus::Held;
    let movable = c.status == CheckinStatus::Scheduled && c.starts_at > crate::ui::use_clock().now();
    view! {
        <li class="checkin" data-checkin=cid>
            <p><strong>{c.my_time.clone()}</strong> {format!(" · {} min · {}", c.minutes, if c.format == "remote" { "remote" } else { "in person" })}
                " · " <span class="badge">{c.status.label()}</span></p>
            <p class="muted">"For your partner: " {c.partner_time.clone()}</p>
            {(!c.agenda.is_empty()).then(|| view! { <ul class="agenda">{c.agenda.iter().map(|a| view! { <li>{a.clone()}</li> }).collect_view()}</ul> })}
            <p>
                <a href=format!("/calendar/checkins/{cid}") download=format!("checkin-{cid}.ics")>"Add to calendar (.ics)"</a>
                {(c.status == CheckinStatus::Scheduled).then(|| view! {
                    " · " <button class="link" on:click=move |_| { mark.dispatch("held"); }>"Mark held"</button>
                    " · " <button class="link" on:click=move |_| { mark.dispatch("missed"); }>"Mark missed"</button>
                    " · " <button class="link" on:click=move |_| { mark.dispatch("rescheduled"); }>"Mark rescheduled"</button>
                })}
            </p>
            {movable.then(|| view! { <MoveCheckin c=c.clone() refresh /> })}
            <details>
                <summary>"Notes"</summary>
                <div class="field">
                    <label for=format!("shared-{cid}")>"Shared notes (both of you see these)"</label>
                    <textarea id=format!("shared-{cid}") rows="3" prop:value=move || shared.get() on:input=move |ev| shared.set(event_target_value(&ev))></textarea>
                </div>
                <div class="field">
                    <label for=format!("private-{cid}")>"Private note (only you)"</label>
                    <textarea id=format!("private-{cid}") rows="2" prop:value=move || private.get() on:input=move |ev| private.set(event_target_value(&ev))></textarea>
                </div>
                <FormStatus message=notes_status />
                <button on:click=move |_| { save.dispatch(()); }>"Save notes"</button>
            </details>
            {held.then(|| view! { <FeedbackForm c=c.clone() refresh /> })}
        </li>
    }
}

/// Moves a check-in still to come to another date and time (the viewer's timezone), keeping its
/// format and agenda; the partner's calendar follows.
#[component]
fn MoveCheckin(c: Checkin, refresh: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let cid = c.id;
    let date = RwSignal::new(c.my_date.clone());
    let time = RwSignal::new(c.my_clock.clone());
    let minutes = RwSignal::new(c.minutes.to_string());
    let (format, agenda) = (c.format.clone(), c.agenda.join("\n"));
    let form = Outcome::new();
    let (errors, status) = (form.errors, form.status);
    let send = Action::new(move |input: &CheckinInput| move_checkin(cid, input.clone()));
    form.follow(send, move |()| {
        form.done("Check-in moved.");
        refresh();
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = CheckinInput { date: date.get_untracked(), time: time.get_untracked(), minutes: minutes.get_untracked(), format: format.clone(), agenda: agenda.clone() };
        if form.checked(input.validate()) {
            send.dispatch(input);
        }
    };
    view! {
        <details class="move">
            <summary>"Move"</summary>
            <form on:submit=submit novalidate>
                <div class="row">
                    <TextField label="New date" name="date".to_string() id=format!("move-{cid}-date") value=date errors=errors kind="date" />
                    <TextField label="New time (your timezone)" name="time".to_string() id=format!("move-{cid}-time") value=time errors=errors kind="time" />
                    <TextField label="New length (minutes)" name="minutes".to_string() id=format!("move-{cid}-minutes") value=minutes errors=errors kind="number" />
                </div>
                <FormStatus message=status />
                <button type="submit" class="primary" disabled=move || send.pending().get()>"Move check-in"</button>
            </form>
        </details>
    }
}

#[component]
fn FeedbackForm(c: Checkin, refresh: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let cid = c.id;
    let given = c.my_feedback.clone();
    let rating = RwSignal::new(given.as_ref().map(|f| f.rating.to_string()).unwrap_or_default());
    let comment = RwSignal::new(given.as_ref().map(|f| f.comment.clone()).unwrap_or_default());
    let progress = RwSignal::new(given.as_ref().map(|f| f.progress.to_string()).unwrap_or_else(|| "0".into()));
    let fit = RwSignal::new(given.as_ref().and_then(|f| f.fit).map(|f| f.as_str().to_string()).unwrap_or_default());
    let form = Outcome::new();
    let (errors, status) = (form.errors, form.status);
    let send = Action::new(move |i: &FeedbackInput| give_feedback(i.clone()));
    form.follow(send, move |()| {
        form.done("Thank you: feedback saved.");
        refresh();
    });
    let asks_fit = c.asks_fit;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = FeedbackInput { checkin_id: cid, rating: rating.get_untracked(), comment: comment.get_untracked(), progress: progress.get_untracked(), fit: fit.get_untracked() };
        if form.checked(input.validate()) {
            send.dispatch(input);
        }
    };
    let radio = move |group: &'static str, signal: RwSignal<String>, value: &'static str, label: &'static str| {
        let id = format!("{group}-{cid}-{value}");
        let for_id = id.clone();
        view! {
            <label class="choice" for=for_id>
                <input type="radio" id=id name=format!("{group}-{cid}") value=value prop:checked=move || signal.get() == value on:change=move |_| signal.set(value.to_string()) />
                {label}
            </label>
        }
    };
    view! {
        <form class="feedback" on:submit=submit novalidate>
            <fieldset>
                <legend>{if given.is_some() { "Your feedback (you can change it)" } else { "How was this check-in?" }}</legend>
                <div class="inline-choices" role="radiogroup" aria-label="Rating from 1 to 5">
                    {radio("rating", rating, "1", "1")}{radio("rating", rating, "2", "2")}{radio("rating", rating, "3", "3")}{radio("rating", rating, "4", "4")}{radio("rating", rating, "5", "5")}
                </div>
                <p class="error">{move || errors.with(|e| e.get("rating"))}</p>
                <TextField label="Goal progress (%)" name=format!("progress-{cid}") value=progress errors=errors kind="number" />
                <p class="error">{move || errors.with(|e| e.get("progress"))}</p>
                <div class="field">
                    <label for=format!("comment-{cid}")>"Comment (optional)"</label>
                    <textarea id=format!("comment-{cid}") rows="2" prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                </div>
                {asks_fit.then(|| view! {
                    <div class="inline-choices" role="radiogroup" aria-label="Is this pairing a good fit?">
                        <span>"Is this pairing a good fit? "</span>
                        {radio("fit", fit, "good", "Good")}{radio("fit", fit, "unsure", "Unsure")}{radio("fit", fit, "not_fit", "Not a fit")}
                    </div>
                    <p class="error">{move || errors.with(|e| e.get("fit"))}</p>
                })}
                <FormStatus message=status />
                <button type="submit" disabled=move || send.pending().get()>"Send feedback"</button>
                {c.partner_gave_feedback.then(|| view! { <p class="muted">"Your partner has given their feedback."</p> })}
            </fieldset>
        </form>
    }
}

#[component]
fn AfterCycle(w: Workspace) -> impl IntoView {
    let pair_id = w.pair_id;
    let s = w.my_survey.clone();
    let learned = RwSignal::new(s.as_ref().map(|s| s.learned.clone()).unwrap_or_default());
    let recommend = RwSignal::new(s.as_ref().map(|s| s.recommend.to_string()).unwrap_or_default());
    let again = RwSignal::new(s.as_ref().map(|s| if s.again { "yes" } else { "no" }.to_string()).unwrap_or_default());
    let gained = RwSignal::new(s.as_ref().and_then(|s| s.gained).map(|g| if g { "yes" } else { "no" }.to_string()).unwrap_or_default());
    let share_quote = RwSignal::new(s.as_ref().is_some_and(|s| s.share_quote));
    let form = Outcome::new();
    let (errors, status) = (form.errors, form.status);
    let send = Action::new(move |i: &SurveyInput| save_survey(pair_id, i.clone()));
    form.follow(send, move |()| form.done("Survey saved. Thank you."));
    let roadblock = RwSignal::new(String::new());
    let rb = Outcome::new();
    let (rb_errors, rb_status) = (rb.errors, rb.status);
    let raise = Action::new(move |b: &String| raise_roadblock(pair_id, b.clone()));
    let raised = RwSignal::new(0u32);
    let mine = Resource::new(move || raised.get(), move |_| crate::insights::api::my_roadblocks(pair_id));
    rb.follow(raise, move |()| {
        raised.update(|v| *v += 1);
        roadblock.set(String::new());
        rb.done("Sent privately to the programme's admins.");
    });
    view! {
        <section class="panel" aria-labelledby="survey-h">
            <h2 id="survey-h">"End of cycle"</h2>
            <form on:submit=move |ev| { ev.prevent_default(); send.dispatch(SurveyInput { learned: learned.get_untracked(), recommend: recommend.get_untracked(), again: again.get_untracked(), gained: gained.get_untracked(), share_quote: share_quote.get_untracked() }); } novalidate>
                <div class="field" class:invalid=move || errors.with(|e| e.get("learned").is_some())>
                    <label for="f-learned">"What I learned"</label>
                    <textarea id="f-learned" rows="3" prop:value=move || learned.get() on:input=move |ev| learned.set(event_target_value(&ev))></textarea>
                    <p class="error">{move || errors.with(|e| e.get("learned"))}</p>
                </div>
                <TextField label="Would you recommend it? 0 (not at all) to 10 (certainly)" name="recommend".to_string() value=recommend errors=errors kind="number" />
                <div class="field">
                    <label for="f-again">"Would you do it again?"</label>
                    <select id="f-again" on:change=move |ev| again.set(event_target_value(&ev))>
                        <option value="" selected=move || again.get().is_empty()>"—"</option>
                        <option value="yes" selected=move || again.get() == "yes">"Yes"</option>
                        <option value="no" selected=move || again.get() == "no">"No"</option>
                    </select>
                    <p class="error">{move || errors.with(|e| e.get("again"))}</p>
                </div>
                <div class="field" class:invalid=move || errors.with(|e| e.get("gained").is_some())>
                    <label for="f-gained">"Did you gain something yourself from the pairing?"</label>
                    <select id="f-gained" on:change=move |ev| gained.set(event_target_value(&ev))>
                        <option value="" selected=move || gained.get().is_empty()>"—"</option>
                        <option value="yes" selected=move || gained.get() == "yes">"Yes"</option>
                        <option value="no" selected=move || gained.get() == "no">"No"</option>
                    </select>
                    <p class="error">{move || errors.with(|e| e.get("gained"))}</p>
                </div>
                <label class="choice" for="f-share-quote">
                    <input type="checkbox" id="f-share-quote" prop:checked=move || share_quote.get() on:change=move |ev| share_quote.set(event_target_checked(&ev)) />
                    "My \"what I learned\" may be quoted, without my name, in the programme's report"
                </label>
                <FormStatus message=status />
                <button type="submit">"Save survey"</button>
            </form>
            <h2 id="roadblock-h">"Something in the way?"</h2>
            <form on:submit=move |ev| { ev.prevent_default(); raise.dispatch(roadblock.get_untracked()); } novalidate>
                <div class="field" class:invalid=move || rb_errors.with(|e| e.get("roadblock").is_some())>
                    <label for="f-roadblock">"Tell the programme's admins privately (your partner does not see this)"</label>
                    <textarea id="f-roadblock" rows="2" prop:value=move || roadblock.get() on:input=move |ev| roadblock.set(event_target_value(&ev))></textarea>
                    <p class="error">{move || rb_errors.with(|e| e.get("roadblock"))}</p>
                </div>
                <FormStatus message=rb_status />
                <button type="submit">"Raise a roadblock"</button>
            </form>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move { match mine.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => ().into_any(),
                    Ok(list) => view! {
                        <h3>"Roadblocks you raised"</h3>
                        <ul class="my-roadblocks">
                            {list.into_iter().map(|r| view! {
                                <li data-roadblock=r.id>
                                    <span class=format!("badge {}", if r.state == crate::insights::RoadblockState::Resolved { "good" } else { "" })>{r.state.label()}</span>
                                    " " {format_date(r.created_at)} ": " {r.body}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }})}
            </Transition>
        </section>
    }
}

/// Everything the chat's callbacks share (all `Copy`); the connection exists in the browser only.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
struct ChatState {
    pair_id: i64,
    messages: RwSignal<Vec<Message>>,
    /// Sent but not yet acknowledged: (client id, body, goal, check-in).
    outbox: RwSignal<Vec<(String, String, Option<i64>, Option<i64>)>>,
    connected: RwSignal<bool>,
    problem: RwSignal<Option<String>>,
    socket: StoredValue<Option<web_sys::WebSocket>, LocalStorage>,
    alive: StoredValue<bool>,
    /// Connection attempts that failed since the last one that opened.
    retries: StoredValue<u32>,
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
impl ChatState {
    fn merge(&self, incoming: Vec<Message>) {
        self.messages.update(|list| {
            for m in incoming {
                if !list.iter().any(|x| x.id == m.id) {
                    list.push(m);
                }
            }
            list.sort_by_key(|m| m.id);
        });
    }
    fn last_id(&self) -> i64 {
        self.messages.try_with_untracked(|l| l.last().map(|m| m.id).unwrap_or(0)).unwrap_or(0)
    }
    /// False once the page is gone: callbacks of a closed connection must then do nothing.
    fn alive(&self) -> bool {
        self.alive.try_get_value().unwrap_or(false)
    }
}

#[cfg(feature = "hydrate")]
fn send_frame(chat: &ChatState, frame: &ClientFrame) -> bool {
    let text = serde_json::to_string(frame).unwrap_or_default();
    chat.socket
        .try_with_value(|s| s.as_ref().is_some_and(|ws| ws.ready_state() == web_sys::WebSocket::OPEN && ws.send_with_str(&text).is_ok()))
        .unwrap_or(false)
}

#[cfg(feature = "hydrate")]
fn connect(chat: ChatState) {
    use crate::error::AppError;
    use wasm_bindgen::{closure::Closure, JsCast};
    if !chat.alive() {
        return;
    }
    let Some(location) = web_sys::window().map(|w| w.location()) else { return };
    let scheme = if location.protocol().ok().as_deref() == Some("https:") { "wss" } else { "ws" };
    let url = format!("{scheme}://{}/ws/pairs/{}", location.host().unwrap_or_default(), chat.pair_id);
    let Ok(ws) = web_sys::WebSocket::new(&url) else {
        leptos::prelude::set_timeout(move || connect(chat), std::time::Duration::from_secs(1));
        return;
    };
    let on_open = Closure::<dyn FnMut()>::new(move || {
        if !chat.alive() {
            return;
        }
        chat.connected.set(true);
        chat.problem.set(None);
        chat.retries.try_set_value(0);
        // Resend whatever was not acknowledged; the server stores each client id once.
        for (client_id, body, goal_id, checkin_id) in chat.outbox.try_get_untracked().unwrap_or_default() {
            send_frame(&chat, &ClientFrame::Send { client_id, body, goal_id, checkin_id });
        }
        // Fetch what arrived while disconnected.
        let after = chat.last_id();
        leptos::task::spawn_local(async move {
            if let Ok(list) = messages_after(chat.pair_id, after).await {
                chat.merge(list);
                let last = chat.last_id();
                send_frame(&chat, &ClientFrame::Read { last_id: last });
            }
        });
    });
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
        if !chat.alive() {
            return;
        }
        let Some(text) = ev.data().as_string() else { return };
        let Ok(frame) = serde_json::from_str::<ServerFrame>(&text) else { return };
        match frame {
            ServerFrame::Ack { message } => {
                chat.outbox.update(|o| o.retain(|x| x.0 != message.client_id));
                chat.merge(vec![message]);
            }
            ServerFrame::Message { message } => {
                let id = message.id;
                chat.merge(vec![message]);
                send_frame(&chat, &ClientFrame::Read { last_id: id });
            }
            ServerFrame::Refused { client_id, reason } => {
                chat.outbox.update(|o| o.retain(|x| x.0 != client_id));
                chat.problem.set(Some(reason));
            }
            ServerFrame::Slow { client_id, retry_ms } => {
                // Still in the outbox: sent again in a moment, stored once.
                leptos::prelude::set_timeout(
                    move || {
                        let queued = chat.outbox.try_with_untracked(|o| o.iter().find(|x| x.0 == client_id).cloned()).flatten();
                        if let Some((client_id, body, goal_id, checkin_id)) = queued {
                            send_frame(&chat, &ClientFrame::Send { client_id, body, goal_id, checkin_id });
                        }
                    },
                    std::time::Duration::from_millis(retry_ms.into()),
                );
            }
        }
    });
    let on_close = Closure::<dyn FnMut(web_sys::CloseEvent)>::new(move |ev: web_sys::CloseEvent| {
        if !chat.alive() {
            return;
        }
        chat.connected.set(false);
        // The server closed it for good (signed out, no longer a member, the pair ended): say
        // why and stay closed.
        if (4400..4500).contains(&ev.code()) {
            chat.problem.set(Some(ev.reason()));
            return;
        }
        // Refused at the handshake or cut off: ask whether chatting is still allowed before
        // trying again, and wait longer after each failure (up to 30 s).
        let attempt = chat.retries.try_get_value().unwrap_or(0);
        chat.retries.try_set_value(attempt.saturating_add(1));
        let wait = std::time::Duration::from_millis((800u64 << attempt.min(6)).min(30_000));
        leptos::task::spawn_local(async move {
            match chat_allowed(chat.pair_id).await {
                Err(e @ (AppError::Unauthenticated | AppError::Forbidden | AppError::NotFound | AppError::Conflict(_))) => {
                    chat.problem.set(Some(e.to_string()));
                }
                _ => leptos::prelude::set_timeout(move || connect(chat), wait),
            }
        });
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    on_open.forget();
    on_message.forget();
    on_close.forget();
    chat.socket.try_set_value(Some(ws));
}

fn new_client_id() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let r = || (js_sys::Math::random() * 4_294_967_296.0) as u64;
        format!("{:x}-{:x}{:08x}", js_sys::Date::now() as u64, r(), r())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        String::new()
    }
}

#[component]
fn Chat(pair_id: i64, me: i64, partner: String, goals: Vec<(i64, String)>, checkins: Vec<(i64, String)>) -> impl IntoView {
    let chat = ChatState {
        pair_id,
        messages: RwSignal::new(Vec::new()),
        outbox: RwSignal::new(Vec::new()),
        connected: RwSignal::new(false),
        problem: RwSignal::new(None),
        socket: StoredValue::new_local(None),
        alive: StoredValue::new(true),
        retries: StoredValue::new(0),
    };
    let more = RwSignal::new(false);
    // The chat lives in the browser: its history loads there, then the connection opens.
    let history = LocalResource::new(move || messages(pair_id, 0));
    let older = Action::new(move |before: &i64| messages(pair_id, *before));
    Effect::new(move |_| {
        if let Some(Ok(page)) = older.value().get() {
            more.set(page.more);
            chat.merge(page.messages);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(page)) = history.get() {
            more.set(page.more);
            chat.merge(page.messages);
            #[cfg(feature = "hydrate")]
            if chat.socket.try_with_value(|s| s.is_none()).unwrap_or(false) {
                connect(chat);
            }
        }
    });
    on_cleanup(move || {
        #[cfg(feature = "hydrate")]
        chat.socket.try_with_value(|s| {
            if let Some(ws) = s {
                let _ = ws.close();
            }
        });
        chat.alive.try_set_value(false);
    });
    let draft = RwSignal::new(String::new());
    let reference = RwSignal::new(String::new());
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = draft.get_untracked();
        if let Err(reason) = check_message("x", &body) {
            chat.problem.set(Some(reason));
            return;
        }
        let r = reference.get_untracked();
        let goal_id = r.strip_prefix("g").and_then(|x| x.parse().ok());
        let checkin_id = r.strip_prefix("c").and_then(|x| x.parse().ok());
        let client_id = new_client_id();
        chat.outbox.update(|o| o.push((client_id.clone(), body.trim().to_string(), goal_id, checkin_id)));
        #[cfg(feature = "hydrate")]
        send_frame(&chat, &ClientFrame::Send { client_id, body: body.trim().to_string(), goal_id, checkin_id });
        draft.set(String::new());
        reference.set(String::new());
        chat.problem.set(None);
    };
    let goal_names = goals.clone();
    let checkin_names = checkins.clone();
    let ref_label = move |m: &Message| -> Option<String> {
        if let Some(g) = m.goal_id {
            return goal_names.iter().find(|x| x.0 == g).map(|x| format!("Goal: {}", x.1));
        }
        m.checkin_id.and_then(|c| checkin_names.iter().find(|x| x.0 == c).map(|x| format!("Check-in: {}", x.1)))
    };
    view! {
        <section class="panel chat" aria-labelledby="chat-h">
            <h2 id="chat-h">"Chat with " {partner.clone()}</h2>
            <p class="muted" aria-live="polite" data-connected=move || chat.connected.get().to_string()>
                {move || if chat.connected.get() { "Connected" } else { "Connecting…" }}
            </p>
            {move || more.get().then(|| view! {
                <button class="link" on:click=move |_| { let first = chat.messages.with_untracked(|l| l.first().map(|m| m.id).unwrap_or(0)); older.dispatch(first); }>"Earlier messages"</button>
            })}
            <ol class="messages" aria-live="polite">
                <For each=move || chat.messages.get() key=|m| m.id let(m)>
                    <li class:mine=m.sender_id == me data-message=m.id>
                        {ref_label(&m).map(|r| view! { <span class="ref">{r}</span> })}
                        <span class="body">{m.body.clone()}</span>
                        <span class="when muted">{format_date(m.created_at)}</span>
                    </li>
                </For>
                <For each=move || chat.outbox.get() key=|o| o.0.clone() let(o)>
                    <li class="mine pending"><span class="body">{o.1.clone()}</span><span class="when muted">"sending…"</span></li>
                </For>
            </ol>
            <p class="error" role="alert">{move || chat.problem.get()}</p>
            <form on:submit=send class="chat-form" novalidate>
                <label for="f-message" class="sr-only">"Message"</label>
                <textarea id="f-message" rows="2" prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" && !ev.shift_key() {
                            ev.prevent_default();
                            if let Some(form) = leptos::prelude::event_target::<web_sys::HtmlElement>(&ev).closest("form").ok().flatten() {
                                use wasm_bindgen::JsCast;
                                if let Ok(form) = form.dyn_into::<web_sys::HtmlFormElement>() { let _ = form.request_submit(); }
                            }
                        }
                    }></textarea>
                <div class="row">
                    <label for="f-ref">"About"</label>
                    <select id="f-ref" on:change=move |ev| reference.set(event_target_value(&ev)) prop:value=move || reference.get()>
                        <option value="">"—"</option>
                        {goals.into_iter().map(|(id, t)| view! { <option value=format!("g{id}")>{format!("Goal: {t}")}</option> }).collect_view()}
                        {checkins.into_iter().map(|(id, t)| view! { <option value=format!("c{id}")>{format!("Check-in: {t}")}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="primary">"Send"</button>
                </div>
            </form>
        </section>
    }
}

/// For a programme's admins: goals, check-ins, ratings and flags (no chat, no notes) of the page
/// of pairs the Pairs list shows; `pairs` is that page ([`crate::programmes::PairPage`], whose
/// `health` holds the figures), made by the page.
#[component]
pub fn PairStatsPanel(pairs: Resource<Result<crate::programmes::PairPage, crate::error::AppError>>) -> impl IntoView {
    view! {
        <section class="panel wide" aria-labelledby="health-h">
            <h2 id="health-h">"How the pairs are doing"</h2>
            <p class="muted">"The pairs of the page listed under Pairs, in the same order."</p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move { match pairs.await.map(|page| page.health) {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No pairs yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap">
                        <table class="pairs stats">
                            <thead><tr>
                                <th scope="col">"Pair"</th><th scope="col">"Goals done"</th><th scope="col">"Milestones"</th>
                                <th scope="col">"Check-ins held / missed"</th><th scope="col">"Mean rating"</th><th scope="col">"Messages"</th><th scope="col">"Flags"</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|s| view! {
                                    <tr data-pair=s.pair_id>
                                        <td>{format!("{} · {}", s.mentor, s.mentee)}</td>
                                        <td>{format!("{} of {}", s.goals_done, s.goals)}</td>
                                        <td>{format!("{} of {}", s.milestones_done, s.milestones)}</td>
                                        <td>{format!("{} / {}", s.checkins_held, s.checkins_missed)}</td>
                                        <td>{s.mean_rating.map(|r| format!("{r:.1}")).unwrap_or_else(|| "—".into())}</td>
                                        <td>{s.messages}</td>
                                        <td>
                                            {s.not_fit.then(|| view! { <span class="badge bad">"not a fit"</span> })}
                                            {(s.open_roadblocks > 0).then(|| view! { <span class="badge bad">{format!("{} roadblock(s)", s.open_roadblocks)}</span> })}
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                    }.into_any(),
                }})}
            </Transition>
        </section>
    }
}

/// For a programme's admins: pair two people by hand.
#[component]
pub fn CreatePairForm(programme_id: i64, on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let mentor = RwSignal::new(String::new());
    let mentee = RwSignal::new(String::new());
    let form = Outcome::new();
    let (errors, status) = (form.errors, form.status);
    let create = Action::new(move |(a, b): &(String, String)| create_pair(programme_id, a.clone(), b.clone()));
    form.follow(create, move |_| {
        form.done("Paired.");
        mentor.set(String::new());
        mentee.set(String::new());
        on_done();
    });
    view! {
        <section class="panel" aria-labelledby="by-hand-h">
            <h2 id="by-hand-h">"Pair two people by hand"</h2>
            <form on:submit=move |ev| { ev.prevent_default(); create.dispatch((mentor.get_untracked(), mentee.get_untracked())); } novalidate>
                <TextField label="Mentor's email" name="mentor_email".to_string() value=mentor errors=errors kind="email" />
                <TextField label="Mentee's email" name="mentee_email".to_string() value=mentee errors=errors kind="email" />
                <FormStatus message=status />
                <button type="submit" disabled=move || create.pending().get()>"Create the pair"</button>
            </form>
        </section>
    }
}

/// "My matches": the signed-in person's pairs with why they were matched, and the mentor
/// requests they sent or received (self-match programmes).
#[component]
pub fn MatchesPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let matches = Resource::new(move || version.get(), |_| super::api::my_matches());
    let requests = Resource::new(move || version.get(), |_| crate::programmes::api::my_requests());
    let auth = crate::accounts::use_auth();
    let answer = Action::new(move |(id, accept): &(i64, bool)| crate::programmes::api::answer_request(*id, *accept));
    let outcome = Outcome::new();
    let status = outcome.status;
    outcome.follow(answer, move |()| {
        outcome.done("Answered.");
        version.update(|v| *v += 1);
    });
    let me = move || auth.user_id().unwrap_or(-1);
    view! {
        <Title text="My matches" />
        <h1>"My matches"</h1>
        <Suspense fallback=loading>
            {move || Suspend::new(async move { match matches.await {
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="empty">"You have no match yet. When a programme you are in publishes its pairs, yours appears here."</p> }.into_any(),
                Ok(list) => view! {
                    <div class="match-list">
                        {list.into_iter().map(|m| {
                            let role = if m.i_am_mentor { format!("Your {}", m.kind.mentee_word()) } else { format!("Your {}", m.kind.mentor_word()) };
                            view! {
                                <article class="panel match" data-pair=m.pair_id>
                                    <p class="muted">{m.programme_name.clone()} " · " {role}</p>
                                    <h2><A href=format!("/people/{}", m.partner.id)>{m.partner.name.clone()}</A></h2>
                                    <p>{m.partner.job_title.clone()} ", " {m.partner.department.clone()}</p>
                                    <h3>"Why you were matched"</h3>
                                    <ul class="reasons">
                                        {m.reasons.iter().filter(|r| r.score > 0.0).map(|r| view! { <li><strong>{r.criterion.label()}</strong> ": " {r.text.clone()}</li> }).collect_view()}
                                    </ul>
                                    <p class="muted">"Matched on " {format_date(m.created_at)} " · score " {format!("{:.2}", m.score)}</p>
                                    <p><A href=format!("/pairs/{}", m.pair_id) attr:class="button primary">"Open the workspace"</A></p>
                                </article>
                            }
                        }).collect_view()}
                    </div>
                }.into_any(),
            }})}
        </Suspense>
        <h2>"Mentor requests"</h2>
        <FormStatus message=status />
        <Transition fallback=loading>
            {move || Suspend::new(async move { match requests.await {
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="empty">"No requests."</p> }.into_any(),
                Ok(list) => {
                    let me = me();
                    view! {
                        <ul class="requests">
                            {list.into_iter().map(|q| {
                                let incoming = q.mentor.id == me;
                                let rid = q.id;
                                let text = if incoming {
                                    format!("{} asks you to mentor them in {}", q.mentee.name, q.programme_name)
                                } else {
                                    format!("You asked {} in {}", q.mentor.name, q.programme_name)
                                };
                                view! {
                                    <li>
                                        {text} " · " <span class="badge">{q.status.label()}</span>
                                        {(!q.message.is_empty()).then(|| view! { <blockquote>{q.message.clone()}</blockquote> })}
                                        {(incoming && q.status == RequestStatus::Pending).then(|| view! {
                                            <button on:click=move |_| { answer.dispatch((rid, true)); }>"Accept"</button>
                                            " "
                                            <button class="secondary" on:click=move |_| { answer.dispatch((rid, false)); }>"Decline"</button>
                                            <span class="muted">" · expires " {format_date(q.expires_at)}</span>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }})}
        </Transition>
    }
}

/// The person's private calendar feed: the address to subscribe to (once made) and a button to
/// make a new one, which stops the old one. Works without JavaScript: the form posts, the page
/// comes back with the new address.
#[component]
pub fn CalendarFeedPanel() -> impl IntoView {
    let reset = ServerAction::<ResetCalendarFeed>::new();
    let feed = Resource::new(move || reset.version().get(), |_| calendar_feed());
    view! {
        <section class="panel" aria-labelledby="calendar-feed-h">
            <h2 id="calendar-feed-h">"Calendar feed"</h2>
            <p>
                "Subscribe to this address once in Outlook, Google Calendar or Apple Calendar: your check-ins appear there and stay up to date, "
                "and a check-in that is missed or moved shows as cancelled. Anyone with the address can see your check-ins, so keep it to yourself."
            </p>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match feed.await {
                        Ok(found) => {
                            let made = found.is_some();
                            view! {
                                {match found {
                                    Some(url) => view! { <crate::ui::CopyField value=url label="Your calendar feed address" /> }.into_any(),
                                    None => view! { <p class="muted">"You have no feed address yet."</p> }.into_any(),
                                }}
                                <ActionForm action=reset>
                                    <FormStatus message=Signal::derive(move || match reset.value().get() {
                                        Some(Ok(_)) => Some((true, "This is your new address; the old one no longer works.".into())),
                                        Some(Err(e)) => Some((false, e.to_string())),
                                        None => None,
                                    }) />
                                    <button type="submit" disabled=move || reset.pending().get()>
                                        {if made { "Make a new address" } else { "Make a feed address" }}
                                    </button>
                                </ActionForm>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
