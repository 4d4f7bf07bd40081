//! Training pages: a programme's guides, one guide to read and mark done, the admins' editor,
//! and the completion panels of the manage and insights pages.

use super::api::{get_guide, list_guides, training_completion, AddGuide, CompleteGuide, DeleteGuide, EditGuide};
use super::*;
use crate::ui::{errors_of, general_message, loading, ErrorNotice, FormStatus, PlainArea, PlainField};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

fn role_word(role: EnrolRole) -> &'static str {
    match role {
        EnrolRole::Mentor => "mentor",
        EnrolRole::Mentee => "mentee",
    }
}

/// `/programmes/{id}/guides`: the guides for the viewer's role first, then the rest.
#[component]
pub fn GuidesPage() -> impl IntoView {
    let id = crate::ui::route_id();
    let list = Resource::new(id, list_guides);
    view! {
        <Title text="Guides" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move { match list.await {
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                Ok(l) => view! { <Guides list=l /> }.into_any(),
            }})}
        </Suspense>
    }
}

#[component]
fn Guides(list: GuideList) -> impl IntoView {
    let pid = list.programme_id;
    let (mine, others): (Vec<GuideSummary>, Vec<GuideSummary>) = match list.my_role {
        Some(role) => list.guides.into_iter().partition(|g| g.audience.includes(role)),
        None => (Vec::new(), list.guides),
    };
    let mine_heading = list.my_role.map(|r| format!("For you as {}", role_word(r)));
    let required_left = mine.iter().filter(|g| g.required && !g.done).count();
    view! {
        <div class="page-head">
            <h1>"Guides · " {list.programme_name.clone()}</h1>
            {list.can_manage.then(|| view! {
                <div class="actions">
                    <A href=format!("/programmes/{pid}/guides/new") attr:class="button primary">"Add a guide"</A>
                    <A href=format!("/programmes/{pid}/manage") attr:class="button">"Manage the programme"</A>
                </div>
            })}
        </div>
        {mine_heading.map(|h| view! {
            <section class="panel" aria-labelledby="mine-h">
                <h2 id="mine-h">{h}</h2>
                <p class="muted">{match required_left {
                    0 => "You have read every required guide.".to_string(),
                    1 => "1 required guide left to read.".to_string(),
                    n => format!("{n} required guides left to read."),
                }}</p>
                <GuideItems guides=mine.clone() />
            </section>
        })}
        {(!others.is_empty()).then(|| view! {
            <section class="panel" aria-labelledby="others-h">
                <h2 id="others-h">{if list.my_role.is_some() { "Other guides" } else { "All guides" }}</h2>
                <GuideItems guides=others />
            </section>
        })}
    }
}

#[component]
fn GuideItems(guides: Vec<GuideSummary>) -> impl IntoView {
    if guides.is_empty() {
        return view! { <p class="empty">"No guide here yet."</p> }.into_any();
    }
    view! {
        <ul class="guide-list">
            {guides.into_iter().map(|g| view! {
                <li data-guide=g.id>
                    <A href=format!("/guides/{}", g.id)>{g.title.clone()}</A>
                    " " <span class="badge">{g.audience.label()}</span>
                    {g.required.then(|| view! { " " <span class="badge required">"Required"</span> })}
                    {(g.questions > 0).then(|| view! { " " <span class="muted">{format!("{} check questions", g.questions)}</span> })}
                    {g.done.then(|| view! { " " <span class="badge good">"✓ Done"</span> })}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// `/guides/{id}`: a guide to read, its check questions and "Mark as done".
#[component]
pub fn GuidePage() -> impl IntoView {
    let id = crate::ui::route_id();
    let complete = ServerAction::<CompleteGuide>::new();
    // Reloaded after a guide is marked done, not after a refusal (the chosen answers stay).
    let done = RwSignal::new(0u32);
    crate::ui::reload_on_success(done, complete);
    let guide = Resource::new(move || (id(), done.get()), |(id, _)| get_guide(id));
    view! {
        <Title text="Guide" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move { match guide.await {
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                Ok(g) => view! { <GuideView guide=g complete /> }.into_any(),
            }})}
        </Suspense>
    }
}

#[component]
fn GuideView(guide: Guide, complete: ServerAction<CompleteGuide>) -> impl IntoView {
    let gid = guide.id;
    let error = errors_of(complete.value());
    let query = use_query_map();
    let just_done = move || query.with(|q| q.get("done").is_some()) || matches!(complete.value().get(), Some(Ok(())));
    let field = move |name: String| Signal::derive(move || error.get().and_then(|e| e.field_errors().get(&name)));
    let delete = ServerAction::<DeleteGuide>::new();
    view! {
        <Title text=guide.title.clone() />
        <p class="muted"><A href=format!("/programmes/{}/guides", guide.programme_id)>{format!("Guides · {}", guide.programme_name)}</A></p>
        <div class="page-head">
            <h1>{guide.title.clone()}</h1>
            {guide.can_manage.then(|| view! {
                <div class="actions">
                    <A href=format!("/guides/{gid}/edit") attr:class="button">"Edit"</A>
                </div>
            })}
        </div>
        <p>
            <span class="badge">{guide.audience.label()}</span>
            {guide.required.then(|| view! { " " <span class="badge required">"Required"</span> })}
        </p>
        <article class="panel guide-body" inner_html=guide.html.clone()></article>
        {guide.can_complete.then(|| if guide.done {
            view! {
                <section class="panel" aria-labelledby="done-h">
                    <h2 id="done-h">"Done"</h2>
                    <p class="form-status ok" role="status">{move || if just_done() { "Marked as done. Thank you." } else { "You have marked this guide as done." }}</p>
                </section>
            }.into_any()
        } else {
            let has_questions = !guide.questions.is_empty();
            view! {
                <section class="panel" aria-labelledby="check-h">
                    <h2 id="check-h">{if has_questions { "Check what you read" } else { "Finished reading?" }}</h2>
                    <ActionForm action=complete attr:novalidate=true>
                        <input type="hidden" name="guide_id" value=gid />
                        {guide.questions.iter().enumerate().map(|(i, q)| {
                            let n = i + 1;
                            let name = format!("a{n}");
                            let err = field(name.clone());
                            let err_id = format!("{name}-err");
                            let described = err_id.clone();
                            let err2 = err;
                            view! {
                                <fieldset class="field question" class:invalid=move || err2.get().is_some() aria-describedby=described>
                                    <legend>{format!("{n}. {}", q.prompt)}</legend>
                                    {q.options.iter().enumerate().map(|(j, o)| {
                                        let id = format!("{name}-{j}");
                                        let for_id = id.clone();
                                        view! {
                                            <label class="choice" for=for_id>
                                                <input type="radio" id=id name=name.clone() value=j />
                                                {o.clone()}
                                            </label>
                                        }
                                    }).collect_view()}
                                    <p class="error" id=err_id>{move || err.get()}</p>
                                </fieldset>
                            }
                        }).collect_view()}
                        <FormStatus message=Signal::derive(move || general_message(error.get())) />
                        <button type="submit" class="primary" disabled=move || complete.pending().get()>"Mark as done"</button>
                    </ActionForm>
                </section>
            }.into_any()
        })}
        {guide.can_manage.then(|| view! {
            <section class="panel" aria-labelledby="delete-h">
                <h2 id="delete-h">"Delete this guide"</h2>
                <p class="muted">"Everyone's record of having read it goes with it."</p>
                <ActionForm action=delete>
                    <input type="hidden" name="guide_id" value=gid />
                    <FormStatus message=Signal::derive(move || general_message(errors_of(delete.value()).get())) />
                    <button type="submit" class="danger" disabled=move || delete.pending().get()>"Delete the guide"</button>
                </ActionForm>
            </section>
        })}
    }
}

/// `/programmes/{id}/guides/new`: the editor, empty.
#[component]
pub fn NewGuidePage() -> impl IntoView {
    let id = crate::ui::route_id();
    let list = Resource::new(id, list_guides);
    view! {
        <Title text="New guide" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move { match list.await {
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                Ok(l) if !l.can_manage => view! { <ErrorNotice error=AppError::Forbidden /> }.into_any(),
                Ok(l) => view! {
                    <p class="muted"><A href=format!("/programmes/{}/guides", l.programme_id)>{format!("Guides · {}", l.programme_name)}</A></p>
                    <h1>"New guide"</h1>
                    <GuideEditor programme_id=l.programme_id guide_id=None initial=GuideInput { audience: "everyone".into(), ..Default::default() } />
                }.into_any(),
            }})}
        </Suspense>
    }
}

/// `/guides/{id}/edit`: the editor, filled with the guide.
#[component]
pub fn EditGuidePage() -> impl IntoView {
    let id = crate::ui::route_id();
    let guide = Resource::new(id, get_guide);
    view! {
        <Title text="Edit guide" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move { match guide.await {
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                Ok(Guide { edit: None, .. }) => view! { <ErrorNotice error=AppError::Forbidden /> }.into_any(),
                Ok(g) => view! {
                    <p class="muted"><A href=format!("/guides/{}", g.id)>{g.title.clone()}</A></p>
                    <h1>"Edit guide"</h1>
                    <GuideEditor programme_id=g.programme_id guide_id=Some(g.id) initial=g.edit.clone().unwrap_or_default() />
                }.into_any(),
            }})}
        </Suspense>
    }
}

/// The guide form: a plain form posting to `training/add` or `training/edit`, so it works
/// with and without JavaScript; a refusal shows at its fields and keeps what was typed.
#[component]
fn GuideEditor(programme_id: i64, guide_id: Option<i64>, initial: GuideInput) -> impl IntoView {
    let add = ServerAction::<AddGuide>::new();
    let edit = ServerAction::<EditGuide>::new();
    let error = Memo::new(move |_| match guide_id {
        None => add.value().get().and_then(|r| r.err()),
        Some(_) => edit.value().get().and_then(|r| r.err()),
    });
    let pending = Signal::derive(move || add.pending().get() || edit.pending().get());
    let field = move |name: &'static str| Signal::derive(move || error.get().and_then(|e| e.field_errors().get(name)));
    let i = initial;
    let fields = view! {
        <PlainField label="Title" name="title" value=i.title.clone() error=field("title") />
        <div class="field" class:invalid=move || field("audience").get().is_some()>
            <label for="f-audience">"For"</label>
            <select id="f-audience" name="audience">
                {Audience::ALL.into_iter().map(|a| view! { <option value=a.as_str() selected=a.as_str() == i.audience>{a.label()}</option> }).collect_view()}
            </select>
            <p class="error">{move || field("audience").get()}</p>
        </div>
        <label class="choice" for="f-required">
            <input type="checkbox" id="f-required" name="required" checked=i.required />
            "Required: everyone it is for must read it (and answer its questions)"
        </label>
        <PlainArea label="Text (Markdown)" name="body" value=i.body.clone() rows=18 error=field("body")
            hint="Headings with ##, lists with - or 1., **bold**, *italic*, [links](https://…) and tables. Images and HTML scripts are removed." />
        <fieldset class="questions">
            <legend>"Check questions (up to three; leave a question empty to skip it)"</legend>
            <PlainField label="Question 1" name="q1_prompt" value=i.q1_prompt.clone() required=false error=field("q1_prompt") />
            <PlainArea label="Options of question 1, one per line" name="q1_options" value=i.q1_options.clone() rows=3 error=field("q1_options") />
            <PlainField label="Right option of question 1 (its line number)" name="q1_answer" kind="number" value=i.q1_answer.clone() required=false error=field("q1_answer") />
            <PlainField label="Question 2" name="q2_prompt" value=i.q2_prompt.clone() required=false error=field("q2_prompt") />
            <PlainArea label="Options of question 2, one per line" name="q2_options" value=i.q2_options.clone() rows=3 error=field("q2_options") />
            <PlainField label="Right option of question 2 (its line number)" name="q2_answer" kind="number" value=i.q2_answer.clone() required=false error=field("q2_answer") />
            <PlainField label="Question 3" name="q3_prompt" value=i.q3_prompt.clone() required=false error=field("q3_prompt") />
            <PlainArea label="Options of question 3, one per line" name="q3_options" value=i.q3_options.clone() rows=3 error=field("q3_options") />
            <PlainField label="Right option of question 3 (its line number)" name="q3_answer" kind="number" value=i.q3_answer.clone() required=false error=field("q3_answer") />
        </fieldset>
        <FormStatus message=Signal::derive(move || general_message(error.get())) />
        <button type="submit" class="primary" disabled=move || pending.get()>"Save the guide"</button>
    };
    match guide_id {
        None => view! {
            <ActionForm action=add attr:novalidate=true attr:class="panel guide-editor">
                <input type="hidden" name="programme_id" value=programme_id />
                {fields}
            </ActionForm>
        }
        .into_any(),
        Some(gid) => view! {
            <ActionForm action=edit attr:novalidate=true attr:class="panel guide-editor">
                <input type="hidden" name="guide_id" value=gid />
                <input type="hidden" name="version" value=i.version />
                {fields}
            </ActionForm>
        }
        .into_any(),
    }
}

/// The manage page's training panel: each guide's completion among the participants it is
/// for, and who still has required guides to read. `progress` is [`training_completion`] of
/// the programme, made by the page (see [`progress_of`]).
#[component]
pub fn TrainingPanel(programme_id: i64, progress: Resource<Result<TrainingProgress, crate::error::AppError>>) -> impl IntoView {
    view! {
        <section class="panel wide" aria-labelledby="training-h">
            <h2 id="training-h">"Training"</h2>
            <p><A href=format!("/programmes/{programme_id}/guides")>"Open the guides"</A> " · " <A href=format!("/programmes/{programme_id}/guides/new")>"Add a guide"</A></p>
            <Suspense fallback=loading>
                {move || Suspend::new(async move { match progress.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(p) => view! { <ProgressTables progress=p /> }.into_any(),
                }})}
            </Suspense>
        </section>
    }
}

/// [`TrainingPanel`]'s data for programme `id()`, again whenever `refresh` changes.
pub fn progress_of(id: impl Fn() -> i64 + Send + Sync + 'static, refresh: RwSignal<u32>) -> Resource<Result<TrainingProgress, crate::error::AppError>> {
    Resource::new(move || (id(), refresh.get()), |(id, _)| training_completion(id, false))
}

/// Completion figures, shared by the manage page and the insights page.
#[component]
pub fn ProgressTables(progress: TrainingProgress, #[prop(optional)] names: Option<bool>) -> impl IntoView {
    let p = progress;
    let show_names = names.unwrap_or(true);
    view! {
        <p class="training-ready">{format!(
            "Required guides done: {} of {} mentors, {} of {} mentees.",
            p.mentors_ready, p.mentors, p.mentees_ready, p.mentees
        )}</p>
        <table class="training-guides">
            <caption class="sr-only">"Completion per guide"</caption>
            <thead><tr><th scope="col">"Guide"</th><th scope="col">"For"</th><th scope="col">"Done"</th></tr></thead>
            <tbody>
                {p.guides.into_iter().map(|g| view! {
                    <tr data-guide=g.id>
                        <td><A href=format!("/guides/{}", g.id)>{g.title.clone()}</A>{g.required.then(|| " (required)")}</td>
                        <td>{g.audience.label()}</td>
                        <td>{if g.audience == Audience::Lead { "–".to_string() } else { format!("{} of {}", g.done, g.of) }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        {p.outcomes.filter(|_| !show_names).map(|o| {
            let side = |o: &PairOutcome| match o.mean_rating {
                Some(m) => format!("mean check-in rating {m:.2} ({} ratings, {} pairs)", o.ratings, o.pairs),
                None if o.pairs < crate::insights::MIN_GROUP => format!("withheld: {} pairs, fewer than {}", o.pairs, crate::insights::MIN_GROUP),
                None => format!("no rating yet ({} pairs)", o.pairs),
            };
            view! {
                <p class="training-outcome">"Pairs where both did their required guides: " {side(&o.trained)} ". Other pairs: " {side(&o.untrained)} "."</p>
                <p class="muted">"A comparison, not proof: people who read guides may differ in other ways. The group filter above does not apply to training figures."</p>
            }
        })}
        {(show_names && p.behind_total > 0).then(|| view! {
            <h3>{format!("Still to read a required guide ({})", p.behind_total)}</h3>
            <ul class="training-behind">
                {p.behind.into_iter().map(|b| view! {
                    <li><A href=format!("/people/{}", b.user_id)>{b.name.clone()}</A>
                        {format!(" · {} · {} required guide{} left", role_word(b.role), b.missing, if b.missing == 1 { "" } else { "s" })}</li>
                }).collect_view()}
            </ul>
            {(p.behind_total as usize > MAX_BEHIND_LISTED).then(|| view! { <p class="muted">{format!("The first {MAX_BEHIND_LISTED} are listed.")}</p> })}
        })}
    }
}

/// The workspace's links: the guides for the viewer's role, required first.
#[component]
pub fn WorkspaceGuides(programme_id: i64, role: EnrolRole, guides: Vec<GuideLink>, partner_role: EnrolRole, partner_guides: Vec<GuideLink>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="guides-h">
            <h2 id="guides-h">"Guides"</h2>
            <h3>{format!("For you as {}", role_word(role))}</h3>
            {if guides.is_empty() {
                view! { <p class="empty">"No guide for your role."</p> }.into_any()
            } else {
                view! {
                    <ul class="guide-list">
                        {guides.into_iter().map(|g| view! {
                            <li><A href=format!("/guides/{}", g.id)>{g.title.clone()}</A>
                                {g.required.then(|| view! { " " <span class="badge required">"Required"</span> })}
                                {g.done.then(|| view! { " " <span class="badge good">"✓ Done"</span> })}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(!partner_guides.is_empty()).then(|| view! {
                <h3>{format!("What your {} reads", role_word(partner_role))}</h3>
                <ul class="guide-list">
                    {partner_guides.into_iter().map(|g| view! { <li><A href=format!("/guides/{}", g.id)>{g.title.clone()}</A></li> }).collect_view()}
                </ul>
            })}
            <p><A href=format!("/programmes/{programme_id}/guides")>"All the programme's guides"</A></p>
        </section>
    }
}
