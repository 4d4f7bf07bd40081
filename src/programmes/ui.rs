//! Pages: programmes (browse, apply, self-match), creating and running a programme (settings,
//! applications, bulk enrolment, pairs), my matches with mentor requests, and the inbox.

use super::api::*;
use super::*;
use crate::error::{AppError, FieldErrors};
use crate::insights::{HealthInput, Metric, TargetInput, Unit};
use crate::profiles::level_label;
use crate::ui::{loading, format_date, ErrorNotice, FormStatus, Outcome, TextField};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::{Form, A}, hooks::{use_navigate, use_query_map}};

/// The date `days` after today, by the page's clock (the server's time while hydrating).
fn days_from_now(days: i64) -> String {
    format_date(crate::ui::use_clock().now() + days * 86_400)
}

#[component]
pub fn ProgrammesPage() -> impl IntoView {
    let auth = crate::accounts::use_auth();
    let version = RwSignal::new(0u32);
    let list = Resource::new(move || version.get(), |_| list_programmes());
    let is_admin = move || auth.is_admin();
    view! {
        <Title text="Programmes" />
        <div class="page-head">
            <h1>"Programmes"</h1>
            {move || is_admin().then(|| view! { <A href="/programmes/new" attr:class="button primary">"New programme"</A> })}
        </div>
        <Suspense fallback=loading>
            {move || Suspend::new(async move { match list.await {
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                Ok(list) if list.is_empty() => view! {
                    <p class="empty">"No programme is open for enrolment right now. You will see one here when it opens."</p>
                }.into_any(),
                Ok(list) => view! {
                    <div class="programme-list">
                        {list.into_iter().map(|p| view! { <ProgrammeCard programme=p on_change=move || version.update(|v| *v += 1) /> }).collect_view()}
                    </div>
                }.into_any(),
            }})}
        </Suspense>
    }
}

#[component]
fn ProgrammeCard(programme: Programme, on_change: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let p = programme;
    let heading = format!("p-{}-h", p.id);
    let heading_id = heading.clone();
    let tags = p.tags.clone();
    let status = p.mine.as_ref().map(|m| {
        let role = if m.role == EnrolRole::Mentor { p.kind.mentor_word() } else { p.kind.mentee_word() };
        format!("{} as {role}", m.status.label())
    });
    let suggest = p.mine.as_ref().is_some_and(|m| m.status == EnrolStatus::Approved && m.role == EnrolRole::Mentee) && p.self_match;
    let can_apply = p.open && p.mine.as_ref().is_none_or(|m| m.status == EnrolStatus::Applied);
    let pending = p.mine.as_ref().is_some_and(|m| m.status == EnrolStatus::Applied);
    let id = p.id;
    let withdraw = Action::new(move |_: &()| withdraw_application(id));
    Effect::new(move |_| {
        if let Some(Ok(())) = withdraw.value().get() {
            on_change();
        }
    });
    view! {
        <article class="panel programme" aria-labelledby=heading.clone()>
            <header>
                <h2 id=heading_id>{p.name.clone()}</h2>
                <p class="muted">{p.kind.label()} " · " {format!("{} to {}", p.starts_on, p.ends_on)}
                    {p.open.then(|| format!(" · enrolment open until {}", p.enrol_closes))}</p>
                {status.map(|s| view! { <p class="badge">{s}</p> })}
            </header>
            {(!p.objectives.is_empty()).then(|| view! { <p class="objectives">{p.objectives.clone()}</p> })}
            {(!tags.is_empty()).then(|| view! { <ul class="tags">{tags.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul> })}
            {p.can_manage.then(|| view! { <p><A href=format!("/programmes/{id}/manage") attr:class="button">"Manage"</A> " " <A href=format!("/programmes/{id}/studio") attr:class="button">"Matching studio"</A></p> })}
            {(p.can_manage || p.mine.as_ref().is_some_and(|m| m.status != EnrolStatus::Declined)).then(|| view! {
                <p class="programme-links"><A href=format!("/programmes/{id}/guides")>"Guides"</A> " · " <A href=format!("/programmes/{id}/sessions")>"Lunch & learn sessions"</A></p>
            })}
            {can_apply.then(|| view! { <ApplyForm programme=p.clone() on_done=on_change /> })}
            {pending.then(|| view! {
                <button class="link" on:click=move |_| { withdraw.dispatch(()); }>"Withdraw my application"</button>
            })}
            {suggest.then(|| view! { <Suggestions programme_id=id /> })}
        </article>
    }
}

#[component]
fn ApplyForm(programme: Programme, on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let id = programme.id;
    let kind = programme.kind;
    let edit = programme.mine.as_ref().is_some_and(|m| m.status == EnrolStatus::Applied);
    let role = RwSignal::new(programme.mine.as_ref().map(|m| m.role).unwrap_or(programme.suggested_role).as_str().to_string());
    let motivation = RwSignal::new(String::new());
    let topics = RwSignal::new(String::new());
    let form = Outcome::new();
    let (errors, status) = (form.errors, form.status);
    let send = Action::new(move |input: &ApplyInput| apply_to_programme(input.clone()));
    form.follow(send, move |_| {
        form.done(if edit { "Application updated." } else { "Application sent. The programme's admin will approve it." });
        on_done();
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = ApplyInput { programme_id: id, role: role.get_untracked(), motivation: motivation.get_untracked(), topics: topics.get_untracked(), edit };
        if form.checked(input.validate()) {
            send.dispatch(input);
        }
    };
    let suggested = programme.suggested_role;
    let hint = match (kind, suggested) {
        (ProgrammeKind::Reverse, EnrolRole::Mentor) => "In reverse mentoring, people earlier in their career mentor senior colleagues: you are offered the mentor role.",
        (ProgrammeKind::Reverse, EnrolRole::Mentee) => "In reverse mentoring, senior colleagues are mentored by people earlier in their career.",
        _ => "",
    };
    let radio = move |value: EnrolRole, label: &'static str| {
        let input_id = format!("f-apply-{id}-{}", value.as_str());
        let for_id = input_id.clone();
        view! {
            <label for=for_id class="choice">
                <input type="radio" id=input_id name=format!("role-{id}") value=value.as_str()
                    prop:checked=move || role.get() == value.as_str()
                    on:change=move |_| role.set(value.as_str().to_string()) />
                {label}
            </label>
        }
    };
    view! {
        <form class="apply" on:submit=submit novalidate>
            <fieldset>
                <legend>"Join as"</legend>
                {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
                {radio(EnrolRole::Mentor, kind.mentor_word())}
                {radio(EnrolRole::Mentee, kind.mentee_word())}
                <p class="error">{move || errors.with(|e| e.get("role"))}</p>
            </fieldset>
            <div class="field" class:invalid=move || errors.with(|e| e.get("motivation").is_some())>
                <label for=format!("f-motivation-{id}")>"Why you want to take part (optional)"</label>
                <textarea id=format!("f-motivation-{id}") name="motivation" rows="3" prop:value=move || motivation.get() on:input=move |ev| motivation.set(event_target_value(&ev))></textarea>
                <p class="error">{move || errors.with(|e| e.get("motivation"))}</p>
            </div>
            <TextField label="Topics (comma-separated)" name=format!("topics-{id}") value=topics errors=errors hint="What you want to teach or learn here, e.g. TikTok, negotiation." />
            <p class="error">{move || errors.with(|e| e.get("topics"))}</p>
            <FormStatus message=status />
            <button type="submit" class="primary" disabled=move || send.pending().get()>"Apply"</button>
        </form>
    }
}

#[component]
fn Suggestions(programme_id: i64) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let list = Resource::new(move || version.get(), move |_| mentor_suggestions(programme_id));
    let message = RwSignal::new(String::new());
    let status = RwSignal::new(None::<(bool, String)>);
    let ask = Action::new(move |mentor: &i64| request_mentor(programme_id, *mentor, message.get_untracked()));
    Effect::new(move |_| match ask.value().get() {
        Some(Ok(())) => {
            status.set(Some((true, "Request sent. You will hear when the mentor answers.".into())));
            version.update(|v| *v += 1);
        }
        Some(Err(e)) => status.set(Some((false, e.field_errors().get("message").unwrap_or_else(|| e.to_string())))),
        None => {}
    });
    view! {
        <section class="suggestions" aria-label="Suggested mentors">
            <h3>"Suggested mentors"</h3>
            <div class="field">
                <label for=format!("f-ask-{programme_id}")>"Message to the mentor you ask (optional)"</label>
                <textarea id=format!("f-ask-{programme_id}") rows="2" prop:value=move || message.get() on:input=move |ev| message.set(event_target_value(&ev))></textarea>
            </div>
            <FormStatus message=status />
            <Transition fallback=loading>
                {move || Suspend::new(async move { match list.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No suggestion: you may already have a mentor here."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="suggestion-list">
                            {list.into_iter().map(|s| {
                                let mentor = s.mentor.id;
                                view! {
                                    <li>
                                        <strong>{s.mentor.name.clone()}</strong> " · " {s.mentor.job_title.clone()} ", " {s.mentor.department.clone()}
                                        " · score " {format!("{:.2}", s.score)}
                                        <p class="reasons">{reasons_sentence(&s.reasons)}</p>
                                        {if s.requested {
                                            view! { <span class="badge">"Requested"</span> }.into_any()
                                        } else {
                                            view! { <button on:click=move |_| { ask.dispatch(mentor); }>"Ask " {s.mentor.name.clone()}</button> }.into_any()
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }})}
            </Transition>
        </section>
    }
}

/// The programme form, for creating and for editing.
#[component]
fn ProgrammeForm(
    initial: ProgrammeInput,
    #[prop(into)] submit_label: String,
    on_submit: impl Fn(ProgrammeInput) + Copy + Send + Sync + 'static,
    errors: RwSignal<FieldErrors>,
    status: RwSignal<Option<(bool, String)>>,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    let name = RwSignal::new(initial.name);
    let objectives = RwSignal::new(initial.objectives);
    let chosen = RwSignal::new(initial.tags.iter().filter(|t| OBJECTIVE_TAGS.contains(&t.as_str())).cloned().collect::<Vec<_>>());
    let other_tags = RwSignal::new(initial.tags.iter().filter(|t| !OBJECTIVE_TAGS.contains(&t.as_str())).cloned().collect::<Vec<_>>().join(", "));
    let kind = RwSignal::new(if initial.kind.is_empty() { "reverse".to_string() } else { initial.kind });
    let starts_on = RwSignal::new(initial.starts_on);
    let ends_on = RwSignal::new(initial.ends_on);
    let enrol_opens = RwSignal::new(initial.enrol_opens);
    let enrol_closes = RwSignal::new(initial.enrol_closes);
    let capacity = RwSignal::new(initial.mentor_capacity);
    let self_match = RwSignal::new(initial.self_match);
    // One row per metric, in `Metric::ALL` order, so row i's errors are `targets.i.*`.
    let targets: Vec<(Metric, RwSignal<String>)> = Metric::ALL
        .iter()
        .map(|m| (*m, RwSignal::new(initial.targets.iter().find(|t| t.metric == m.as_str()).map(|t| t.target.clone()).unwrap_or_default())))
        .collect();
    let targets_for_submit = targets.clone();
    let quiet_checkin = RwSignal::new(initial.health.quiet_checkin_days);
    let quiet_message = RwSignal::new(initial.health.quiet_message_days);
    let low_rating = RwSignal::new(initial.health.low_rating);
    let nudge_checkin = RwSignal::new(initial.health.nudge_checkin_days);
    let form = Outcome { errors, status };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut tags = chosen.get_untracked();
        tags.extend(other_tags.get_untracked().split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()));
        let input = ProgrammeInput {
            name: name.get_untracked(),
            objectives: objectives.get_untracked(),
            tags,
            kind: kind.get_untracked(),
            starts_on: starts_on.get_untracked(),
            ends_on: ends_on.get_untracked(),
            enrol_opens: enrol_opens.get_untracked(),
            enrol_closes: enrol_closes.get_untracked(),
            mentor_capacity: capacity.get_untracked(),
            self_match: self_match.get_untracked(),
            targets: targets_for_submit
                .iter()
                .map(|(m, v)| {
                    let target = v.get_untracked();
                    TargetInput { metric: if target.trim().is_empty() { String::new() } else { m.as_str().to_string() }, target }
                })
                .collect(),
            health: HealthInput {
                quiet_checkin_days: quiet_checkin.get_untracked(),
                quiet_message_days: quiet_message.get_untracked(),
                low_rating: low_rating.get_untracked(),
                nudge_checkin_days: nudge_checkin.get_untracked(),
            },
        };
        if form.checked(input.validate()) {
            errors.set(FieldErrors::new());
            status.set(None);
            on_submit(input);
        }
    };
    view! {
        <form class="programme-form" on:submit=submit novalidate>
            <TextField label="Name" name="name".to_string() value=name errors=errors />
            <div class="field" class:invalid=move || errors.with(|e| e.get("objectives").is_some())>
                <label for="f-objectives">"Objectives"</label>
                <textarea id="f-objectives" name="objectives" rows="3" prop:value=move || objectives.get() on:input=move |ev| objectives.set(event_target_value(&ev))></textarea>
                <p class="error">{move || errors.with(|e| e.get("objectives"))}</p>
            </div>
            <fieldset class="tags-field">
                <legend>"Tags"</legend>
                {OBJECTIVE_TAGS.iter().map(|t| {
                    let t = t.to_string();
                    let id = format!("f-tag-{}", t.replace(' ', "-"));
                    let (t1, t2) = (t.clone(), t.clone());
                    let for_id = id.clone();
                    view! {
                        <label for=for_id class="choice">
                            <input type="checkbox" id=id prop:checked=move || chosen.with(|c| c.contains(&t1))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| { c.retain(|x| x != &t2); if on { c.push(t2.clone()); } });
                                } />
                            {t.clone()}
                        </label>
                    }
                }).collect_view()}
                <TextField label="Other tags (comma-separated)" name="other_tags".to_string() value=other_tags errors=errors />
                <p class="error">{move || errors.with(|e| e.get("tags"))}</p>
            </fieldset>
            <div class="field" class:invalid=move || errors.with(|e| e.get("kind").is_some())>
                <label for="f-kind">"Type"</label>
                <select id="f-kind" name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    {ProgrammeKind::ALL.into_iter().map(|k| view! { <option value=k.as_str() selected=move || kind.get() == k.as_str()>{k.label()}</option> }).collect_view()}
                </select>
                <p class="hint">"Each type starts with its own matching rules (reverse: the mentor's level is below the mentee's). A change of type resets the rules."</p>
                <p class="error">{move || errors.with(|e| e.get("kind"))}</p>
            </div>
            <div class="row">
                <TextField label="Enrolment opens" name="enrol_opens".to_string() value=enrol_opens errors=errors kind="date" />
                <TextField label="Enrolment closes" name="enrol_closes".to_string() value=enrol_closes errors=errors kind="date" />
            </div>
            <div class="row">
                <TextField label="Cycle starts" name="starts_on".to_string() value=starts_on errors=errors kind="date" />
                <TextField label="Cycle ends" name="ends_on".to_string() value=ends_on errors=errors kind="date" />
            </div>
            <TextField label="People per mentor" name="mentor_capacity".to_string() value=capacity errors=errors kind="number" hint="How many mentees (or attendees) one mentor (or host) takes: 1 to 20." />
            <label class="choice" for="f-self-match">
                <input type="checkbox" id="f-self-match" prop:checked=move || self_match.get() on:change=move |ev| self_match.set(event_target_checked(&ev)) />
                "Self-match: mentees see suggested mentors and ask one themselves"
            </label>
            <fieldset class="targets-field">
                <legend>"Objectives and targets"</legend>
                <p class="hint">"What should this programme achieve? The insights page shows each target against the actual figure. Leave a metric blank for no target."</p>
                {targets.into_iter().enumerate().map(|(i, (m, value))| view! {
                    <TextField label=m.label() name=format!("targets.{i}.target") value errors=errors hint=unit_hint(m.unit()) />
                }).collect_view()}
                <p class="error">{move || errors.with(|e| e.get("targets"))}</p>
            </fieldset>
            <fieldset class="targets-field">
                <legend>"Pair health"</legend>
                <p class="hint">"When a pair appears on the at-risk list, and when it gets a gentle reminder first."</p>
                <div class="row">
                    <TextField label="At risk after days without a check-in" name="quiet_checkin_days".to_string() value=quiet_checkin errors=errors kind="number" />
                    <TextField label="At risk after days without a message" name="quiet_message_days".to_string() value=quiet_message errors=errors kind="number" />
                </div>
                <div class="row">
                    <TextField label="At risk at a rating of (or below)" name="low_rating".to_string() value=low_rating errors=errors kind="number" hint="1 to 4" />
                    <TextField label="Remind the pair after days without a check-in" name="nudge_checkin_days".to_string() value=nudge_checkin errors=errors kind="number" hint="0 for no reminders" />
                </div>
            </fieldset>
            <FormStatus message=status />
            <button type="submit" class="primary" disabled=move || pending.get()>{submit_label}</button>
        </form>
    }
}

fn unit_hint(u: Unit) -> &'static str {
    match u {
        Unit::Percent => "Percent, 0 to 100",
        Unit::Rating => "Rating, 1 to 5",
        Unit::Score => "Score, -100 to 100",
        Unit::Days => "Days, 0 to 365",
    }
}

#[component]
pub fn NewProgrammePage() -> impl IntoView {
    let form = Outcome::new();
    let (errors, status) = (form.errors, form.status);
    let create = Action::new(move |input: &ProgrammeInput| create_programme(input.clone()));
    form.follow(create, move |id| {
        let navigate = use_navigate();
        navigate(&format!("/programmes/{id}/manage"), Default::default());
    });
    let initial = ProgrammeInput {
        kind: "reverse".into(),
        enrol_opens: days_from_now(0),
        enrol_closes: days_from_now(21),
        starts_on: days_from_now(28),
        ends_on: days_from_now(28 + 182),
        mentor_capacity: "1".into(),
        ..Default::default()
    };
    let auth = crate::accounts::use_auth();
    view! {
        <Title text="New programme" />
        <h1>"New programme"</h1>
        // Only admins open programmes: others learn so here, not after filling the form in.
        {move || match auth.user() {
            Some(user) if user.is_admin() => {
                let initial = initial.clone();
                view! {
                    <section class="panel narrow">
                        <ProgrammeForm initial submit_label="Create programme" on_submit=move |i| { create.dispatch(i); } errors status pending=create.pending() />
                    </section>
                }.into_any()
            }
            Some(_) => view! { <ErrorNotice error=AppError::Forbidden /> }.into_any(),
            None => view! { <ErrorNotice error=AppError::Unauthenticated /> }.into_any(),
        }}
    }
}

#[component]
pub fn ManageProgrammePage() -> impl IntoView {
    let id = crate::ui::route_id();
    let version = RwSignal::new(0u32);
    let programme = Resource::new(move || (id(), version.get()), |(id, _)| get_programme(id));
    // Every panel's data is asked for here, beside the programme's, not inside the boundary
    // that waits for it: on the server a boundary runs its contents again to find what they
    // read, and each run would make (and send) every panel's data once more.
    let lists = ManageData::new(id);
    view! {
        <Title text="Manage programme" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move { match programme.await {
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                Ok(p) if !p.can_manage => view! { <ErrorNotice error=AppError::Forbidden /> }.into_any(),
                Ok(p) => view! { <Manage programme=p lists on_change=move || version.update(|v| *v += 1) /> }.into_any(),
            }})}
        </Suspense>
    }
}

/// The manage page's panels' data, made once per page, and the bell that reloads it.
#[derive(Clone, Copy)]
struct ManageData {
    refresh: RwSignal<u32>,
    people_query: Memo<EnrolmentQuery>,
    pairs_query: Memo<PairQuery>,
    people: Resource<Result<EnrolmentPage, AppError>>,
    pairs: Resource<Result<PairPage, AppError>>,
    training: Resource<Result<crate::training::TrainingProgress, AppError>>,
}

impl ManageData {
    fn new(id: impl Fn() -> i64 + Copy + Send + Sync + 'static) -> ManageData {
        let refresh = RwSignal::new(0u32);
        let (people_query, pairs_query) = list_queries();
        ManageData {
            refresh,
            people_query,
            pairs_query,
            people: Resource::new(move || (id(), refresh.get(), people_query.get()), |(id, _, q)| list_enrolments(id, q)),
            pairs: Resource::new(move || (id(), refresh.get(), pairs_query.get()), |(id, _, q)| list_pairs(id, q)),
            training: crate::training::ui::progress_of(id, refresh),
        }
    }
}

#[component]
fn Manage(programme: Programme, lists: ManageData, on_change: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let id = programme.id;
    let form = Outcome::new();
    let (errors, status) = (form.errors, form.status);
    let update = Action::new(move |input: &ProgrammeInput| update_programme(id, input.clone()));
    form.follow(update, move |_| {
        status.set(Some((true, "Saved.".into())));
        on_change();
    });
    let refresh = lists.refresh;
    let c = programme.counts.clone();
    view! {
        <div class="page-head">
            <h1>{programme.name.clone()}</h1>
            <div class="actions">
                <A href=format!("/programmes/{id}/guides") attr:class="button">"Guides"</A>
                <A href=format!("/programmes/{id}/sessions") attr:class="button">"Sessions"</A>
                <A href=format!("/programmes/{id}/insights") attr:class="button">"Insights"</A>
                <A href=format!("/programmes/{id}/studio") attr:class="button primary">"Open the matching studio"</A>
            </div>
        </div>
        <p class="muted">{programme.kind.label()} " · " {format!("{} mentors and {} mentees enrolled, {} waiting for approval, {} active pairs", c.mentors, c.mentees, c.applied, c.active_pairs)}</p>
        <div class="admin-grid">
            <Applications programme_id=id lists on_change=move || { refresh.update(|v| *v += 1); } />
            <BulkEnrolPanel programme_id=id on_done=move || { refresh.update(|v| *v += 1); } />
            <Pairs programme_id=id lists />
            <crate::pairs::ui::PairStatsPanel pairs=lists.pairs />
            <crate::pairs::ui::CreatePairForm programme_id=id on_done=move || { refresh.update(|v| *v += 1); } />
            <crate::training::ui::TrainingPanel programme_id=id progress=lists.training />
            <section class="panel" aria-labelledby="settings-h">
                <h2 id="settings-h">"Settings"</h2>
                <ProgrammeForm initial=programme.to_input() submit_label="Save settings" on_submit=move |i| { update.dispatch(i); } errors status pending=update.pending() />
            </section>
        </div>
    }
}

/// The manage page's list filters, kept in the page's address (so a search survives a reload,
/// can be shared, and works without JavaScript): people under `people_*`, pairs under `pairs_*`.
fn list_queries() -> (Memo<EnrolmentQuery>, Memo<PairQuery>) {
    let map = use_query_map();
    let text = move |key: &str| map.with(|m| m.get(key).unwrap_or_default());
    let page = move |key: &str| map.with(|m| m.get(key).and_then(|p| p.parse().ok()).unwrap_or(0));
    let people = Memo::new(move |_| EnrolmentQuery {
        q: text("people_q"),
        role: text("people_role"),
        status: text("people_status"),
        sort: text("people_sort"),
        page: page("people_page"),
    });
    let pairs = Memo::new(move |_| PairQuery { q: text("pairs_q"), sort: text("pairs_sort"), page: page("pairs_page") });
    (people, pairs)
}

/// The manage page's address with both lists' filters; `anchor` is the list to land on.
fn manage_link(programme_id: i64, people: &EnrolmentQuery, pairs: &PairQuery, anchor: &str) -> String {
    let query = crate::ui::query_string(&[people_fields(people), pairs_fields(pairs)].concat());
    format!("/programmes/{programme_id}/manage{query}#{anchor}")
}

/// The people list's filters as address fields (`people_*`).
fn people_fields(q: &EnrolmentQuery) -> Vec<(&'static str, String)> {
    vec![
        ("people_q", q.q.clone()),
        ("people_role", q.role.clone()),
        ("people_status", q.status.clone()),
        ("people_sort", q.sort.clone()),
        ("people_page", crate::ui::page_param(q.page)),
    ]
}

/// The pairs list's filters as address fields (`pairs_*`).
fn pairs_fields(q: &PairQuery) -> Vec<(&'static str, String)> {
    vec![("pairs_q", q.q.clone()), ("pairs_sort", q.sort.clone()), ("pairs_page", crate::ui::page_param(q.page))]
}

/// A `<select>` of `options` (value, label) named `name`, `current` selected.
fn choice(id: &'static str, label: &'static str, name: &'static str, options: &'static [(&'static str, &'static str)], current: String) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=name>
                {options.iter().map(|(value, text)| view! { <option value=*value selected=current == *value>{*text}</option> }).collect_view()}
            </select>
        </div>
    }
}

/// Hidden fields carrying the other list's filters through a search form.
fn keep(fields: Vec<(&'static str, String)>) -> impl IntoView {
    fields.into_iter().filter(|(_, v)| !v.is_empty()).map(|(name, value)| view! { <input type="hidden" name=name value=value /> }).collect_view()
}

#[component]
fn Applications(programme_id: i64, lists: ManageData, on_change: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let (people, pairs, list) = (lists.people_query, lists.pairs_query, lists.people);
    let decide = Action::new(move |(id, approve): &(i64, bool)| decide_application(*id, *approve));
    let bulk = ServerAction::<DecideMatching>::new();
    // One line under the search for both kinds of decision: a refusal says why, and a bulk
    // decision says how many it decided. A refusal because the list changed meanwhile (decided
    // elsewhere, someone applied) reloads it, so the next click acts on what is now shown.
    let outcome = Outcome::new();
    let refused = move |e: AppError| {
        outcome.refused(&e);
        if matches!(e, AppError::Conflict(_)) {
            on_change();
        }
    };
    Effect::new(move |_| match decide.value().get() {
        Some(Ok(())) => {
            outcome.status.set(None);
            on_change();
        }
        Some(Err(e)) => refused(e),
        None => {}
    });
    Effect::new(move |_| match bulk.value().get() {
        Some(Ok(r)) => {
            outcome.done(format!("{} {} decided.", r.decided, if r.decided == 1 { "application" } else { "applications" }));
            on_change();
        }
        Some(Err(e)) => refused(e),
        None => {}
    });
    let action = format!("/programmes/{programme_id}/manage");
    view! {
        <section class="panel wide" aria-labelledby="apps-h" id="people">
            <h2 id="apps-h">"People"</h2>
            <p><a href=format!("/programmes/{programme_id}/enrolments-file") download rel="external">"Download the enrolments (CSV)"</a></p>
            {move || {
                let (q, p) = (people.get(), pairs.get());
                view! {
                    <Form method="GET" action=action.clone() attr:class="filters" attr:role="search" attr:aria-label="Search the people">
                        <div class="field">
                            <label for="f-people-q">"Name, email or department"</label>
                            <input id="f-people-q" name="people_q" type="search" value=q.q.clone() maxlength=MAX_SEARCH.to_string() />
                        </div>
                        {choice("f-people-role", "Role", "people_role", &[("", "Mentors and mentees"), ("mentor", "Mentors"), ("mentee", "Mentees")], q.role.clone())}
                        {choice("f-people-status", "State", "people_status", &[("", "Any"), ("applied", "Waiting for approval"), ("approved", "Enrolled"), ("declined", "Declined")], q.status.clone())}
                        {choice("f-people-sort", "Order", "people_sort", &[("", "Waiting first"), ("name", "Name"), ("newest", "Newest"), ("level", "Most senior")], q.sort.clone())}
                        {keep(pairs_fields(&p))}
                        <button type="submit">"Search"</button>
                    </Form>
                }
            }}
            <FormStatus message=outcome.status />
            <Transition fallback=loading>
                {move || Suspend::new(async move { match list.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) if page.total == 0 && people.get_untracked() == EnrolmentQuery::default() => view! { <p class="empty">"No one has applied or been enrolled yet."</p> }.into_any(),
                    Ok(page) => {
                        let link = move |n: i32| manage_link(programme_id, &EnrolmentQuery { page: n, ..people.get_untracked() }, &pairs.get_untracked(), "people");
                        view! {
                        <p class="count" aria-live="polite">{format!("{} {} match", page.total, if page.total == 1 { "person" } else { "people" })}
                            {(page.waiting > 0).then(|| format!(", {} waiting for approval", page.waiting))}</p>
                        {(page.waiting > 0).then(|| view! { <DecideEveryone programme_id query=people.get_untracked() waiting=page.waiting newest=page.newest decide=bulk /> })}
                        <div class="table-wrap">
                        <table class="enrolments">
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"Role"</th><th scope="col">"Level"</th><th scope="col">"Department"</th><th scope="col">"Motivation and topics"</th><th scope="col">"Status"</th></tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|e| {
                                    let eid = e.id;
                                    let name = e.name.clone();
                                    view! {
                                        <tr>
                                            <td><A href=format!("/people/{}", e.user_id)>{e.name.clone()}</A></td>
                                            <td>{e.role.as_str()}</td>
                                            <td>{level_label(e.level)}</td>
                                            <td>{e.department.clone()}</td>
                                            <td>{e.motivation.clone()} {(!e.topics.is_empty()).then(|| format!(" — {}", e.topics.join(", ")))}</td>
                                            <td>{if e.status == EnrolStatus::Applied {
                                                let n2 = name.clone();
                                                view! {
                                                    <button on:click=move |_| { decide.dispatch((eid, true)); } aria-label=format!("Approve {name}")>"Approve"</button>
                                                    " "
                                                    <button class="secondary" on:click=move |_| { decide.dispatch((eid, false)); } aria-label=format!("Decline {n2}")>"Decline"</button>
                                                }.into_any()
                                            } else {
                                                view! { <span>{e.status.label()}</span> }.into_any()
                                            }}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                        {crate::ui::pager(page.total, page.page, page.page_size, link)}
                    }.into_any()
                    }
                }})}
            </Transition>
        </section>
    }
}

/// Approve or decline every waiting application the people list's filter matches, on every
/// page: a form (it posts without JavaScript too) carrying the filter and how many waiting
/// applications the admin saw, behind a box to tick; the server refuses if that number changed.
#[component]
fn DecideEveryone(programme_id: i64, query: EnrolmentQuery, waiting: i64, newest: i64, decide: ServerAction<DecideMatching>) -> impl IntoView {
    let what = if waiting == 1 { "the 1 waiting application".to_string() } else { format!("all {waiting} waiting applications") };
    view! {
        <ActionForm action=decide attr:class="bulk-decide" attr:aria-label="Decide every waiting application that matches">
            <input type="hidden" name="id" value=programme_id />
            <input type="hidden" name="expected" value=waiting />
            <input type="hidden" name="up_to" value=newest />
            <input type="hidden" name="query[q]" value=query.q />
            <input type="hidden" name="query[role]" value=query.role />
            <input type="hidden" name="query[status]" value=query.status />
            <label class="choice" for="f-decide-all">
                <input type="checkbox" id="f-decide-all" required />
                {format!("Decide {what} of this search, on every page")}
            </label>
            <button type="submit" name="approve" value="true" disabled=move || decide.pending().get()>"Approve them"</button>
            " "
            <button type="submit" name="approve" value="false" class="secondary" disabled=move || decide.pending().get()>"Decline them"</button>
        </ActionForm>
    }
}

#[component]
fn BulkEnrolPanel(programme_id: i64, on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let role = RwSignal::new("mentor".to_string());
    let department = RwSignal::new(String::new());
    let level_min = RwSignal::new("1".to_string());
    let level_max = RwSignal::new("4".to_string());
    let emails = RwSignal::new(String::new());
    let form = Outcome::new();
    let (errors, status) = (form.errors, form.status);
    let report = RwSignal::new(None::<BulkReport>);
    let enrol = Action::new(move |input: &BulkEnrolInput| bulk_enrol(input.clone()));
    form.follow(enrol, move |r| {
        let role = role.get_untracked();
        status.set(Some((
            r.errors.is_empty(),
            format!("{} enrolled as {role}s, {} already in the programme, {} problem(s).", r.enrolled, r.already, r.errors.len()),
        )));
        report.set(Some(r));
        on_done();
    });
    let send = move |source: BulkSource| {
        enrol.dispatch(BulkEnrolInput { programme_id, role: role.get_untracked(), source });
    };
    view! {
        <section class="panel" aria-labelledby="bulk-h">
            <h2 id="bulk-h">"Enrol people"</h2>
            <div class="field">
                <label for="f-bulk-role">"As"</label>
                <select id="f-bulk-role" on:change=move |ev| role.set(event_target_value(&ev))>
                    <option value="mentor" selected=move || role.get() == "mentor">"Mentors"</option>
                    <option value="mentee" selected=move || role.get() == "mentee">"Mentees"</option>
                </select>
            </div>
            <form on:submit=move |ev| { ev.prevent_default(); send(BulkSource::Filter { department: department.get_untracked(), level_min: level_min.get_untracked(), level_max: level_max.get_untracked() }); } novalidate>
                <h3>"From the directory"</h3>
                <TextField label="Department (empty: all)" name="department".to_string() value=department errors=errors />
                <div class="row">
                    <TextField label="Lowest level" name="level_min".to_string() value=level_min errors=errors kind="number" />
                    <TextField label="Highest level" name="level_max".to_string() value=level_max errors=errors kind="number" />
                </div>
                <button type="submit" disabled=move || enrol.pending().get()>"Enrol everyone who fits"</button>
            </form>
            <form on:submit=move |ev| { ev.prevent_default(); send(BulkSource::Emails(emails.get_untracked())); } novalidate>
                <h3>"From a list of emails"</h3>
                <div class="field">
                    <label for="f-bulk-file">"CSV file with an email column"</label>
                    <input id="f-bulk-file" type="file" accept=".csv,text/csv,text/plain" on:change=move |ev| crate::ui::read_file_into(ev, emails) />
                </div>
                <div class="field" class:invalid=move || errors.with(|e| e.get("emails").is_some())>
                    <label for="f-bulk-emails">"Emails, one per line or separated by commas (a CSV column works)"</label>
                    <textarea id="f-bulk-emails" rows="4" prop:value=move || emails.get() on:input=move |ev| emails.set(event_target_value(&ev))></textarea>
                    <p class="error">{move || errors.with(|e| e.get("emails"))}</p>
                </div>
                <button type="submit" disabled=move || enrol.pending().get()>"Enrol these people"</button>
            </form>
            <FormStatus message=status />
            {move || report.get().filter(|r| !r.errors.is_empty()).map(|r| view! {
                <ul class="row-errors">{r.errors.into_iter().map(|e| view! { <li>{format!("Line {}: {}", e.line, e.message)}</li> }).collect_view()}</ul>
            })}
        </section>
    }
}

#[component]
fn Pairs(programme_id: i64, lists: ManageData) -> impl IntoView {
    let (people, pairs, list, refresh) = (lists.people_query, lists.pairs_query, lists.pairs, lists.refresh);
    let rematch = Action::new(move |pair: &i64| rematch_pair(*pair));
    let outcome = Outcome::new();
    let status = outcome.status;
    outcome.follow(rematch, move |_| {
        outcome.done("The pair was ended and its two people re-matched; every other pair is unchanged.");
        refresh.update(|v| *v += 1);
    });
    let action = format!("/programmes/{programme_id}/manage");
    view! {
        <section class="panel wide" aria-labelledby="pairs-h" id="pairs">
            <h2 id="pairs-h">"Pairs"</h2>
            <p><a href=format!("/programmes/{programme_id}/pairs-file") download rel="external">"Download the pairs (CSV)"</a></p>
            {move || {
                let (q, p) = (pairs.get(), people.get());
                view! {
                    <Form method="GET" action=action.clone() attr:class="filters" attr:role="search" attr:aria-label="Search the pairs">
                        <div class="field">
                            <label for="f-pairs-q">"Mentor or mentee"</label>
                            <input id="f-pairs-q" name="pairs_q" type="search" value=q.q.clone() maxlength=MAX_SEARCH.to_string() />
                        </div>
                        {choice("f-pairs-sort", "Order", "pairs_sort", &[("", "Mentor's name"), ("score", "Best score"), ("score_low", "Weakest score"), ("newest", "Newest")], q.sort.clone())}
                        {keep(people_fields(&p))}
                        <button type="submit">"Search"</button>
                    </Form>
                }
            }}
            <FormStatus message=status />
            <Transition fallback=loading>
                {move || Suspend::new(async move { match list.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) if page.total == 0 && pairs.get_untracked() == PairQuery::default() => view! { <p class="empty">"No pairs yet: publish a run from the matching studio."</p> }.into_any(),
                    Ok(page) => {
                        let link = move |n: i32| manage_link(programme_id, &people.get_untracked(), &PairQuery { page: n, ..pairs.get_untracked() }, "pairs");
                        view! {
                        <p class="count" aria-live="polite">{format!("{} {} match", page.total, if page.total == 1 { "pair" } else { "pairs" })}</p>
                        <div class="table-wrap">
                        <table class="pairs">
                            <thead><tr><th scope="col">"Mentor"</th><th scope="col">"Mentee"</th><th scope="col">"Score"</th><th scope="col">"Since"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|p| {
                                    let pid = p.id;
                                    view! {
                                        <tr>
                                            <td>{p.mentor.name.clone()}</td>
                                            <td>{p.mentee.name.clone()}</td>
                                            <td>{format!("{:.2}", p.score)}</td>
                                            <td>{format_date(p.created_at)}</td>
                                            <td><button class="secondary" on:click=move |_| { rematch.dispatch(pid); } aria-label=format!("Rematch {} and {}", p.mentor.name, p.mentee.name)>"Rematch"</button></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                        {crate::ui::pager(page.total, page.page, page.page_size, link)}
                    }.into_any()
                    }
                }})}
            </Transition>
        </section>
    }
}
