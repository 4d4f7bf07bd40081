//! The matching studio: an admin tunes weights, rules and the objective and sees the result
//! change while a slider moves (the engine runs in the browser on the programme's pool), then
//! saves the authoritative run on the server, compares runs, restores one, and publishes.

use super::api::{load_run, load_studio, publish_run, save_run};
use super::{PersonLabel, RunPage, SavedRun, StudioData};
use crate::matching::{diff, Config, Criterion, Direction, Engine, MatchResult, Objective, Pair, WhyNot};
use crate::ui::{format_date, ErrorNotice, FormStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use std::collections::HashMap;
use std::sync::Arc;

type Names = Arc<HashMap<i64, PersonLabel>>;

/// Sets `signal` only when the value differs: a set notifies even when nothing changed, and the
/// why-not question, which waits for `busy` to fall, would otherwise be asked again after each
/// answer, forever.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.with_untracked(|v| *v != value) {
        signal.set(value);
    }
}

/// The browser's preview of one configuration.
#[derive(Clone, PartialEq)]
struct Preview {
    result: MatchResult,
    /// The worker's time on it.
    millis: f64,
    /// What each pin costs in total score (total without that pin minus total with all pins).
    pin_costs: Vec<((i64, i64), f64)>,
}

#[component]
pub fn StudioPage() -> impl IntoView {
    let id = crate::ui::route_id();
    let version = RwSignal::new(0u32);
    let data = Resource::new(move || (id(), version.get()), |(id, _)| load_studio(id));
    // Outlives a reload of the pool after publishing, so its message stays on screen.
    let status = RwSignal::new(None::<(bool, String)>);
    view! {
        <Title text="Matching studio" />
        <Suspense fallback=|| view! { <p class="muted">"Loading the pool…"</p> }>
            {move || Suspend::new(async move { match data.await {
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                Ok(d) => view! { <Studio data=d status on_published=move || version.update(|v| *v += 1) /> }.into_any(),
            }})}
        </Suspense>
    }
}

fn name_of(names: &Names, id: i64) -> String {
    names.get(&id).map(|p| p.name.clone()).unwrap_or_else(|| format!("#{id}"))
}

fn describe_why_not(w: &WhyNot, names: &Names) -> String {
    match w {
        WhyNot::PinnedElsewhere { pinned_with } => format!("The mentee is pinned to {}.", name_of(names, *pinned_with)),
        WhyNot::Outscored { score, cost, mentee_partner, mentor_partners, mentor_capacity } => {
            let mut s = format!("Their score is {score:.2}, but pairing them would lower the total by {cost:.3}.");
            if let Some((m, sc)) = mentee_partner {
                s.push_str(&format!(" The mentee is paired with {} (score {sc:.2}).", name_of(names, *m)));
            }
            if mentor_partners.len() as u32 >= *mentor_capacity && *mentor_capacity > 0 {
                let list: Vec<String> = mentor_partners.iter().map(|(id, sc)| format!("{} ({sc:.2})", name_of(names, *id))).collect();
                s.push_str(&format!(" The mentor is at capacity with {}.", list.join(", ")));
            }
            s
        }
        other => other.describe(),
    }
}

#[component]
fn Studio(
    data: StudioData,
    status: RwSignal<Option<(bool, String)>>,
    on_published: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let programme = data.programme.clone();
    let pid = programme.id;
    let names: Names = Arc::new(data.people.iter().map(|p| (p.id, p.clone())).collect());
    let mentors: Arc<Vec<(i64, String)>> =
        Arc::new(data.problem.mentors.iter().map(|m| (m.id, name_of(&names, m.id))).collect());
    let problem = Arc::new(data.problem.clone());
    let places: u32 = data.problem.mentors.iter().map(|m| m.capacity).sum();
    let (n_mentors, n_mentees) = (data.problem.mentors.len(), data.problem.mentees.len());

    // Weights suggested by the insights page's calibration arrive in the link; the sliders
    // start there, and nothing changes until the admin runs and publishes.
    let suggested = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("weights")).and_then(|w| crate::insights::parse_weights(&w));
    let mut initial = data.config.clone();
    if let Some(w) = suggested {
        initial.weights.0 = w;
    }
    let config = RwSignal::new(initial);
    // Compare with the latest run while it is a proposal; once published, its pairs are real
    // and the pool has changed, so there is nothing to compare with until the next run.
    let baseline = RwSignal::new(data.last.clone().filter(|r| r.summary.published_at.is_none()));
    let runs = RwSignal::new(data.runs.clone());
    let runs_page = Action::new(move |page: &i32| super::api::list_runs(pid, *page));
    Effect::new(move |_| match runs_page.value().get() {
        Some(Ok(page)) => runs.set(page),
        Some(Err(e)) => status.set(Some((false, e.to_string()))),
        None => {}
    });
    let preview = RwSignal::new(None::<Preview>);
    let preview_error = RwSignal::new(None::<String>);
    let updates = RwSignal::new(0u32);
    let selected = RwSignal::new(None::<(i64, i64)>);
    // Explaining one pair needs no run: this engine on the page only prepares the pool (a few
    // milliseconds at 5,000 people) and explains.
    let engine: StoredValue<Option<Engine>, LocalStorage> = StoredValue::new_local(None);
    let why_not = RwSignal::new(None::<(u64, Result<WhyNot, crate::matching::MatchError>)>);
    // Past 300 ms of computing, the preview says it is working (`busy_round` tells a timer
    // whether the stretch it was set for is still going on).
    let slow = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let busy_round = StoredValue::new(0u64);
    #[cfg(target_arch = "wasm32")]
    let channel: StoredValue<Option<super::studio_worker::Channel>, LocalStorage> = StoredValue::new_local(None);
    #[cfg(target_arch = "wasm32")]
    on_cleanup(move || channel.set_value(None));
    // Starts the worker once (a failed start is said, not retried).
    #[cfg(target_arch = "wasm32")]
    let start_channel = {
        let problem = problem.clone();
        let tried = StoredValue::new(false);
        move || {
            if tried.get_value() {
                return;
            }
            tried.set_value(true);
            let problem = problem.clone();
            let started = super::studio_worker::Channel::start(
                move || (*problem).clone(),
                move |reply, current, still_busy| {
                    use super::studio_worker::Reply;
                    match reply {
                        Reply::Ready => {}
                        Reply::Preview { outcome, .. } if current => match outcome {
                            Ok(p) => {
                                preview_error.set(None);
                                preview.set(Some(Preview { result: p.result, millis: p.millis, pin_costs: p.pin_costs }));
                                updates.update(|u| *u += 1);
                            }
                            Err(e) => preview_error.set(Some(e.to_string())),
                        },
                        Reply::Preview { .. } => {}
                        Reply::WhyNot { seq, outcome } => why_not.set(Some((seq, outcome))),
                        Reply::Failed(e) => preview_error.set(Some(e)),
                    }
                    if !still_busy {
                        set_if_changed(slow, false);
                        set_if_changed(busy, false);
                    }
                },
            );
            match started {
                Ok(c) => channel.set_value(Some(c)),
                Err(e) => preview_error.set(Some(format!("The preview could not start: {e}"))),
            }
        }
    };

    // The preview: asked of the worker whenever the configuration changes.
    Effect::new(move |_| {
        let config = config.get();
        #[cfg(target_arch = "wasm32")]
        {
            // Effects run only in the browser, once the page is live: the worker starts with
            // the first configuration.
            start_channel();
            let was_busy = busy.get_untracked();
            let now_busy = channel.with_value(|c| {
                c.as_ref().is_some_and(|c| {
                    c.preview(config);
                    c.busy()
                })
            });
            set_if_changed(busy, now_busy);
            if now_busy && !was_busy {
                busy_round.update_value(|r| *r += 1);
                let round = busy_round.get_value();
                // The page may be gone when the timer fires (the admin left the studio).
                set_timeout(
                    move || {
                        let same_round = busy_round.try_get_value() == Some(round);
                        if same_round && busy.try_get_untracked() == Some(true) {
                            slow.try_set(true);
                        }
                    },
                    std::time::Duration::from_millis(300),
                );
            }
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = (config, busy_round);
    });
    #[cfg(target_arch = "wasm32")]
    let ask_why_not = move |config: Config, mentor: i64, mentee: i64| channel.with_value(|c| c.as_ref().map(|c| c.why_not(config, mentor, mentee)));
    #[cfg(not(target_arch = "wasm32"))]
    let ask_why_not = move |_: Config, _: i64, _: i64| None::<u64>;

    let save = Action::new(move |c: &Config| save_run(pid, c.clone()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(run)) => {
            status.set(Some((true, format!("Run #{} saved: {} pairs, total {:.2}.", run.summary.id, run.summary.pairs, run.summary.total))));
            // The list's first page now starts with this run, whatever page was shown.
            runs_page.dispatch(0);
            baseline.set(Some(run));
        }
        Some(Err(e)) => status.set(Some((false, e.field_errors().get("config").unwrap_or_else(|| e.to_string())))),
        None => {}
    });
    let restore = Action::new(move |run: &i64| load_run(*run));
    Effect::new(move |_| match restore.value().get() {
        Some(Ok(run)) => {
            status.set(Some((true, format!("Settings of run #{} restored.", run.summary.id))));
            config.set(run.config.clone());
            baseline.set(Some(run));
        }
        Some(Err(e)) => status.set(Some((false, e.to_string()))),
        None => {}
    });
    let publish = Action::new(move |run: &i64| publish_run(*run));
    let confirm = RwSignal::new(None::<i64>);
    Effect::new(move |_| match publish.value().get() {
        Some(Ok(r)) => {
            status.set(Some((true, format!("Published: {} pairs created, {} people notified, {} left in the pool.", r.pairs, r.notified, r.unmatched))));
            confirm.set(None);
            on_published();
        }
        Some(Err(e)) => status.set(Some((false, e.to_string()))),
        None => {}
    });

    let names_panel = names.clone();
    let problem_panel = problem.clone();
    let names_table = names.clone();
    let names_pins = names.clone();
    let names_unmatched = names.clone();
    view! {
        <div class="page-head">
            <h1>"Matching studio: " {programme.name.clone()}</h1>
            <A href=format!("/programmes/{pid}/manage") attr:class="button">"Programme"</A>
        </div>
        <p class="muted">
            {format!("Pool: {n_mentors} {}s with {places} places, {n_mentees} {}s waiting.", programme.kind.mentor_word(), programme.kind.mentee_word())}
            " People already paired are not in the pool."
        </p>
        {suggested.map(|_| view! {
            <p class="notice" role="status" id="suggested-weights">"The weights are set as the insights page's calibration suggests. Look at the preview before you save or publish a run."</p>
        })}
        <FormStatus message=status />
        <div class="studio">
            <aside class="panel tuning" aria-labelledby="tuning-h">
                <h2 id="tuning-h">"Tuning"</h2>
                <Tuning config />
                <div class="actions">
                    <button class="primary" on:click=move |_| { save.dispatch(config.get_untracked()); } disabled=move || { save.pending().get() || runs_page.pending().get() }>"Save this run"</button>
                </div>
                <RunList runs turn=runs_page baseline confirm restore publish />
            </aside>
            <section class="preview" aria-labelledby="preview-h">
                <h2 id="preview-h">"Preview"</h2>
                {move || preview_error.get().map(|e| view! { <div class="notice" role="alert"><p>{e}</p></div> })}
                {move || slow.get().then(|| view! {
                    <p class="muted" role="status" id="preview-progress"><progress aria-label="Computing the preview"></progress> " Computing the preview…"</p>
                })}
                {move || match preview.get() {
                    None => view! { <p class="muted" id="preview-waiting">"The preview starts when the page has loaded."</p> }.into_any(),
                    Some(p) => view! { <Summary preview=p baseline=baseline.get() /> }.into_any(),
                }}
                <PinList config preview names=names_pins />
                <Explain config selected engine problem=problem_panel why_not ask_why_not busy names=names_panel mentors />
                <PairTable config preview updates busy selected names=names_table />
                <UnmatchedList preview names=names_unmatched />
            </section>
        </div>
    }
}

#[component]
fn Tuning(config: RwSignal<Config>) -> impl IntoView {
    let weight = move |c: Criterion| {
        let id = format!("w-{}", c.index());
        view! {
            <div class="slider">
                <label for=id.clone()>{c.label()} <output for=id.clone()>{move || format!("{}", config.with(|k| k.weights.get(c)))}</output></label>
                <input type="range" id=id min="0" max="10" step="0.5" data-criterion=c.index()
                    prop:value=move || config.with(|k| k.weights.get(c)).to_string()
                    on:input=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                            config.update(|k| k.weights.set(c, v));
                        }
                    } />
            </div>
        }
    };
    let number_rule = move |label: &'static str, id: &'static str, get: fn(&Config) -> Option<f64>, set: fn(&mut Config, Option<f64>), default: f64, step: &'static str| {
        view! {
            <div class="rule">
                <label class="choice" for=format!("{id}-on")>
                    <input type="checkbox" id=format!("{id}-on") prop:checked=move || config.with(|c| get(c).is_some())
                        on:change=move |ev| { let on = event_target_checked(&ev); config.update(|c| set(c, on.then_some(default))); } />
                    {label}
                </label>
                <input type="number" id=id step=step aria-label=label min="0"
                    disabled=move || config.with(|c| get(c).is_none())
                    prop:value=move || config.with(|c| get(c).map(|v| v.to_string()).unwrap_or_default())
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                            if v.is_finite() && v >= 0.0 { config.update(|c| set(c, Some(v))); }
                        }
                    } />
            </div>
        }
    };
    view! {
        <div class="field">
            <label for="objective">"Objective"</label>
            <select id="objective" on:change=move |ev| {
                let o = match event_target_value(&ev).as_str() { "fair" => Objective::Fair, "stable" => Objective::Stable, _ => Objective::Total };
                config.update(|c| c.objective = o);
            }>
                <option value="total" selected=move || config.with(|c| c.objective == Objective::Total)>"Highest total score"</option>
                <option value="fair" selected=move || config.with(|c| c.objective == Objective::Fair)>"Fair: best lowest score"</option>
                <option value="stable" selected=move || config.with(|c| c.objective == Objective::Stable)>"Stable: no blocking pairs"</option>
            </select>
        </div>
        <fieldset>
            <legend>"Weights (0–10)"</legend>
            {Criterion::ALL.into_iter().map(weight).collect_view()}
        </fieldset>
        <fieldset>
            <legend>"Rules"</legend>
            <div class="field">
                <label for="direction">"Seniority direction"</label>
                <select id="direction" on:change=move |ev| {
                    let d = match event_target_value(&ev).as_str() { "senior" => Direction::MentorSenior, "peers" => Direction::Peers, _ => Direction::MentorJunior };
                    config.update(|c| c.rules.direction = d);
                }>
                    <option value="junior" selected=move || config.with(|c| c.rules.direction == Direction::MentorJunior)>"Mentor junior to mentee (reverse)"</option>
                    <option value="senior" selected=move || config.with(|c| c.rules.direction == Direction::MentorSenior)>"Mentor senior to mentee"</option>
                    <option value="peers" selected=move || config.with(|c| c.rules.direction == Direction::Peers)>"Peers"</option>
                </select>
            </div>
            {number_rule("Minimum level gap", "rule-gap", |c| c.rules.min_level_gap.map(f64::from), |c, v| c.rules.min_level_gap = v.map(|v| v.round() as i32), 1.0, "1")}
            {number_rule("Not in the same reporting line within (levels)", "rule-chain", |c| c.rules.reporting_chain_levels.map(f64::from), |c, v| c.rules.reporting_chain_levels = v.map(|v| v.round() as u32), 3.0, "1")}
            {number_rule("Maximum timezone difference (hours)", "rule-tz", |c| c.rules.max_timezone_hours, |c, v| c.rules.max_timezone_hours = v, 8.0, "0.5")}
            <label class="choice" for="rule-lang">
                <input type="checkbox" id="rule-lang" prop:checked=move || config.with(|c| c.rules.require_common_language)
                    on:change=move |ev| { let on = event_target_checked(&ev); config.update(|c| c.rules.require_common_language = on); } />
                "At least one common language"
            </label>
            <label class="choice" for="rule-avoid">
                <input type="checkbox" id="rule-avoid" prop:checked=move || config.with(|c| c.rules.respect_avoids)
                    on:change=move |ev| { let on = event_target_checked(&ev); config.update(|c| c.rules.respect_avoids = on); } />
                "Respect the people someone asked to avoid"
            </label>
            <div class="slider">
                <label for="min-score">"Minimum score " <output for="min-score">{move || format!("{:.2}", config.with(|c| c.rules.min_score))}</output></label>
                <input type="range" id="min-score" min="0" max="1" step="0.05"
                    prop:value=move || config.with(|c| c.rules.min_score).to_string()
                    on:input=move |ev| { if let Ok(v) = event_target_value(&ev).parse::<f64>() { config.update(|c| c.rules.min_score = v); } } />
                <p class="hint">"Below it, people stay unmatched rather than be paired badly."</p>
            </div>
        </fieldset>
    }
}

/// The saved runs, [`super::LIST_PAGE`] at a time, newest first; `turn` loads another page.
#[component]
fn RunList(
    runs: RwSignal<RunPage>,
    turn: Action<i32, Result<RunPage, crate::error::AppError>>,
    baseline: RwSignal<Option<SavedRun>>,
    confirm: RwSignal<Option<i64>>,
    restore: Action<i64, Result<SavedRun, crate::error::AppError>>,
    publish: Action<i64, Result<super::PublishReport, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <h3>"Saved runs"</h3>
        {move || {
            let page = runs.get();
            if page.items.is_empty() {
                return view! { <p class="empty">"No run saved yet."</p> }.into_any();
            }
            let current = baseline.with(|b| b.as_ref().map(|b| b.summary.id));
            let first = i64::from(page.page) * i64::from(page.page_size);
            let (n, last) = (page.page, crate::ui::last_page(page.total, page.page_size));
            view! {
                <p class="count" id="runs-count">{format!("Runs {}–{} of {}, newest first", first + 1, first + page.items.len() as i64, page.total)}</p>
                <ol class="runs">
                    {page.items.into_iter().map(|r| {
                        let id = r.id;
                        let objective = match r.objective { Objective::Total => "total", Objective::Fair => "fair", Objective::Stable => "stable" };
                        view! {
                            <li class:current=current == Some(id) data-run=id>
                                <p><strong>{format!("Run #{id}")}</strong> {format!(" · {} · {} pairs · total {:.2} · {objective}", format_date(r.created_at), r.pairs, r.total)}</p>
                                <p class="muted">"by " {r.author.clone()} {r.published_at.map(|t| format!(" · published {}", format_date(t)))}</p>
                                <button class="secondary" on:click=move |_| { restore.dispatch(id); }>"Restore"</button>
                                {r.published_at.is_none().then(|| view! {
                                    {move || if confirm.get() == Some(id) {
                                        view! {
                                            " "
                                            <button class="primary" on:click=move |_| { publish.dispatch(id); } disabled=move || publish.pending().get()>{format!("Confirm: publish run #{id}")}</button>
                                            " "
                                            <button class="link" on:click=move |_| confirm.set(None)>"Cancel"</button>
                                        }.into_any()
                                    } else {
                                        view! { " " <button on:click=move |_| confirm.set(Some(id))>{format!("Publish run #{id}…")}</button> }.into_any()
                                    }}
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ol>
                {(last > 0).then(|| {
                    let newer = move |_| { turn.dispatch(n - 1); };
                    let older = move |_| { turn.dispatch(n + 1); };
                    view! {
                    <nav class="pager" aria-label="Saved runs">
                        <button class="secondary" on:click=newer disabled=move || { n == 0 || turn.pending().get() }>"Newer runs"</button>
                        " "
                        <span>{format!("Page {} of {}", n + 1, last + 1)}</span>
                        " "
                        <button class="secondary" on:click=older disabled=move || { n >= last || turn.pending().get() }>"Older runs"</button>
                    </nav>
                }})}
            }.into_any()
        }}
    }
}

#[component]
fn Summary(preview: Preview, baseline: Option<SavedRun>) -> impl IntoView {
    let r = &preview.result;
    let f = r.fairness.clone();
    let d = baseline.as_ref().map(|b| (b.summary.id, diff(&b.result, r)));
    let mut buckets = vec![0u32; 10];
    for s in r.scores() {
        buckets[((s * 10.0).floor() as usize).min(9)] += 1;
    }
    let histogram: Vec<crate::ui::chart::Bar> = buckets
        .iter()
        .enumerate()
        .map(|(i, c)| crate::ui::chart::Bar { label: format!("{:.1}", i as f64 / 10.0), value: f64::from(*c) })
        .collect();
    let described = buckets.iter().enumerate().map(|(i, c)| format!("{:.1}–{:.1}: {c}", i as f64 / 10.0, (i + 1) as f64 / 10.0)).collect::<Vec<_>>().join(", ");
    view! {
        <dl class="figures" data-testid="figures">
            <div><dt>"Total score"</dt><dd id="total">{format!("{:.2}", r.total + 0.0)}</dd></div>
            <div><dt>"Matched"</dt><dd id="matched">{format!("{} of {}", r.matched_mentees, r.mentees)}</dd></div>
            <div><dt>"Unmatched"</dt><dd>{r.unmatched.len()}</dd></div>
            <div><dt>"Blocking pairs"</dt><dd>{r.blocking_pairs}</dd></div>
            <div><dt>"Lowest score"</dt><dd>{format!("{:.2}", f.min)}</dd></div>
            <div><dt>"Quartiles"</dt><dd>{format!("{:.2} / {:.2} / {:.2}", f.q1, f.median, f.q3)}</dd></div>
            <div><dt>"Computed in"</dt><dd id="preview-ms">{format!("{:.0} ms", preview.millis)}</dd></div>
        </dl>
        {d.map(|(id, d)| view! {
            <p class="diff" id="diff">{format!("Against run #{id}: {} added, {} removed, {} changed, total {:+.2}.", d.added.len(), d.removed.len(), d.changed.len(), d.total_delta + 0.0)}</p>
        })}
        <div class="charts">
            <figure class="histogram">
                <figcaption>"Pair scores"</figcaption>
                <div role="img" aria-label=format!("Histogram of pair scores: {described}")>
                    <crate::ui::chart::BarChart bars=Signal::derive(move || histogram.clone()) />
                </div>
            </figure>
            {(!f.by_group.is_empty()).then(|| view! {
                <table class="groups">
                    <caption>"By group"</caption>
                    <thead><tr><th scope="col">"Group"</th><th scope="col">"Matched"</th><th scope="col">"Mean score"</th></tr></thead>
                    <tbody>{f.by_group.iter().map(|g| view! { <tr><td>{g.group.clone()}</td><td>{format!("{} of {}", g.matched, g.mentees)}</td><td>{format!("{:.2}", g.mean_score)}</td></tr> }).collect_view()}</tbody>
                </table>
            })}
        </div>
    }
}

#[component]
fn PinList(config: RwSignal<Config>, preview: RwSignal<Option<Preview>>, names: Names) -> impl IntoView {
    view! {
        {move || {
            let (pins, forbids) = config.with(|c| (c.rules.pinned.clone(), c.rules.forbidden.clone()));
            if pins.is_empty() && forbids.is_empty() {
                return None;
            }
            let costs = preview.with(|p| p.as_ref().map(|p| p.pin_costs.clone()).unwrap_or_default());
            let names = names.clone();
            let names2 = names.clone();
            Some(view! {
                <div class="pins">
                    {(!pins.is_empty()).then(|| view! {
                        <h3>"Pinned"</h3>
                        <ul>{pins.into_iter().map(|pin| {
                            let cost = costs.iter().find(|(p, _)| *p == pin).map(|(_, c)| format!(" · costs {c:.3} in total score")).unwrap_or_default();
                            view! { <li>{format!("{} with {}{cost}", name_of(&names, pin.0), name_of(&names, pin.1))}
                                " " <button class="link" on:click=move |_| config.update(|c| c.rules.pinned.retain(|p| *p != pin))>"Unpin"</button></li> }
                        }).collect_view()}</ul>
                    })}
                    {(!forbids.is_empty()).then(|| view! {
                        <h3>"Forbidden"</h3>
                        <ul>{forbids.into_iter().map(|f| view! {
                            <li>{format!("{} with {}", name_of(&names2, f.0), name_of(&names2, f.1))}
                                " " <button class="link" on:click=move |_| config.update(|c| c.rules.forbidden.retain(|p| *p != f))>"Allow again"</button></li>
                        }).collect_view()}</ul>
                    })}
                </div>
            })
        }}
    }
}

#[component]
fn PairTable(
    config: RwSignal<Config>,
    preview: RwSignal<Option<Preview>>,
    updates: RwSignal<u32>,
    busy: RwSignal<bool>,
    selected: RwSignal<Option<(i64, i64)>>,
    names: Names,
) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let shown = RwSignal::new(100usize);
    let names2 = names.clone();
    let rows = Memo::new(move |_| {
        let needle = filter.get().to_lowercase();
        preview.with(|p| {
            let Some(p) = p else { return (Vec::new(), 0) };
            let all: Vec<Pair> = p
                .result
                .pairs
                .iter()
                .filter(|pair| {
                    needle.is_empty()
                        || name_of(&names2, pair.mentor).to_lowercase().contains(&needle)
                        || name_of(&names2, pair.mentee).to_lowercase().contains(&needle)
                })
                .cloned()
                .collect();
            let n = all.len();
            (all.into_iter().take(shown.get()).collect::<Vec<_>>(), n)
        })
    });
    let pin = move |m: i64, e: i64| {
        config.update(|c| {
            c.rules.pinned.retain(|(_, x)| *x != e);
            c.rules.forbidden.retain(|p| *p != (m, e));
            c.rules.pinned.push((m, e));
        })
    };
    let forbid = move |m: i64, e: i64| {
        config.update(|c| {
            c.rules.pinned.retain(|p| *p != (m, e));
            if !c.rules.forbidden.contains(&(m, e)) {
                c.rules.forbidden.push((m, e));
            }
        })
    };
    view! {
        <h3>"Pairs"</h3>
        <div class="field inline">
            <label for="pair-filter">"Find a person"</label>
            <input id="pair-filter" type="search" prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev)) />
        </div>
        <div class="table-wrap" id="pairs-table" data-updates=move || updates.get().to_string() aria-busy=move || busy.get().to_string()>
            <table class="pairs">
                <thead><tr><th scope="col">"Mentor"</th><th scope="col">"Mentee"</th><th scope="col">"Score"</th><th scope="col">"Strongest reason"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                <tbody>
                    <For each=move || rows.get().0 key=|p| (p.mentor, p.mentee, (p.score * 1e6) as i64, p.pinned) let(p)>
                        {
                            let (m, e) = (p.mentor, p.mentee);
                            let (mn, en) = (name_of(&names, m), name_of(&names, e));
                            let reason = p.reasons.first().map(|r| r.text.clone()).unwrap_or_default();
                            view! {
                                <tr class:pinned=p.pinned class:selected=move || selected.get() == Some((m, e)) data-mentor=m data-mentee=e>
                                    <td>{mn.clone()} {p.pinned.then(|| view! { <span class="badge">"pinned"</span> })}</td>
                                    <td>{en.clone()}</td>
                                    <td class="score">{format!("{:.2}", p.score)}</td>
                                    <td class="reason">{reason}</td>
                                    <td class="actions">
                                        <button class="link" on:click=move |_| selected.set(Some((m, e))) aria-label=format!("Explain {mn} and {en}")>"Explain"</button>
                                        {if p.pinned {
                                            view! { <button class="link" on:click=move |_| config.update(|c| c.rules.pinned.retain(|x| *x != (m, e)))>"Unpin"</button> }.into_any()
                                        } else {
                                            view! { <button class="link" on:click=move |_| pin(m, e)>"Pin"</button> }.into_any()
                                        }}
                                        <button class="link" on:click=move |_| forbid(m, e)>"Forbid"</button>
                                    </td>
                                </tr>
                            }
                        }
                    </For>
                </tbody>
            </table>
        </div>
        {move || {
            let (shown_rows, total) = rows.with(|r| (r.0.len(), r.1));
            (total > shown_rows).then(|| view! {
                <p>{format!("Showing {shown_rows} of {total} pairs. ")}
                    <button class="link" on:click=move |_| shown.update(|s| *s += 200)>"Show more"</button></p>
            })
        }}
    }
}

#[component]
fn UnmatchedList(preview: RwSignal<Option<Preview>>, names: Names) -> impl IntoView {
    view! {
        {move || preview.with(|p| p.as_ref().filter(|p| !p.result.unmatched.is_empty()).map(|p| {
            let list: Vec<_> = p.result.unmatched.iter().take(100).cloned().collect();
            let more = p.result.unmatched.len().saturating_sub(list.len());
            view! {
                <h3>"Unmatched"</h3>
                <ul class="unmatched">
                    {list.into_iter().map(|u| view! {
                        <li><strong>{name_of(&names, u.id)}</strong> {if u.is_mentor { " (mentor with room left)" } else { " (mentee)" }} ": " {u.reason.describe()}</li>
                    }).collect_view()}
                </ul>
                {(more > 0).then(|| view! { <p class="muted">{format!("…and {more} more.")}</p> })}
            }
        }))}
    }
}

#[component]
fn Explain(
    config: RwSignal<Config>,
    selected: RwSignal<Option<(i64, i64)>>,
    engine: StoredValue<Option<Engine>, LocalStorage>,
    problem: Arc<crate::matching::Problem>,
    why_not: RwSignal<Option<(u64, Result<WhyNot, crate::matching::MatchError>)>>,
    ask_why_not: impl Fn(Config, i64, i64) -> Option<u64> + Copy + Send + Sync + 'static,
    busy: RwSignal<bool>,
    names: Names,
    mentors: Arc<Vec<(i64, String)>>,
) -> impl IntoView {
    let other = RwSignal::new(None::<i64>);
    let names2 = names.clone();
    let names3 = names.clone();
    // The question goes to the preview's worker (answering it may take a run); only the answer
    // to the newest question is shown.
    let asked = RwSignal::new(None::<u64>);
    Effect::new(move |_| {
        let question = selected.get().zip(other.get());
        let config = config.get();
        // Asked once the preview has caught up: while a slider moves, questions would queue
        // behind one another in the worker and hold the preview back.
        if busy.get() {
            return;
        }
        asked.set(question.and_then(|((_, mentee), candidate)| ask_why_not(config, candidate, mentee)));
    });
    let answer = move || {
        let seq = asked.get()?;
        Some(why_not.with(|w| match w {
            Some((s, Ok(w))) if *s == seq => describe_why_not(w, &names2),
            Some((s, Err(e))) if *s == seq => e.to_string(),
            _ => "Working it out…".to_string(),
        }))
    };
    let explain = move |config: &Config, m: i64, e: i64| {
        engine.update_value(|slot| {
            if slot.is_none() {
                *slot = Engine::new(&problem).ok();
            }
        });
        engine.with_value(|en| en.as_ref().and_then(|en| en.explain(config, m, e)))
    };
    view! {
        <aside class="panel explain" aria-labelledby="explain-h" aria-live="polite">
            <h2 id="explain-h">"Explanation"</h2>
            {move || {
                let Some((m, e)) = selected.get() else {
                    return view! { <p class="muted">"Choose “Explain” on a pair to see why it was formed."</p> }.into_any();
                };
                let config_now = config.get();
                let pair = explain(&config_now, m, e);
                let Some(pair) = pair else { return view! { <p>"This pair is no longer in the pool."</p> }.into_any() };
                let mentors = mentors.clone();
                view! {
                    <h3>{format!("{} and {}", name_of(&names, m), name_of(&names, e))}</h3>
                    <p>"Score " <strong>{format!("{:.2}", pair.score)}</strong></p>
                    <table class="breakdown">
                        <thead><tr><th scope="col">"Criterion"</th><th scope="col">"Score"</th><th scope="col">"Weight"</th></tr></thead>
                        <tbody>
                            {Criterion::ALL.into_iter().map(|c| view! {
                                <tr><td>{c.label()}</td><td><meter min="0" max="1" value=pair.breakdown[c.index()]></meter> {format!(" {:.2}", pair.breakdown[c.index()])}</td><td>{config_now.weights.get(c)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <ul class="reasons">{pair.reasons.iter().map(|r| view! { <li>{r.text.clone()}</li> }).collect_view()}</ul>
                    <div class="field">
                        <label for="why-not">{format!("Why not another mentor for {}?", name_of(&names, e))}</label>
                        <select id="why-not" on:change=move |ev| other.set(event_target_value(&ev).parse().ok())>
                            <option value="">"Choose a mentor"</option>
                            {mentors.iter().filter(|(id, _)| *id != m).map(|(id, n)| view! { <option value=id.to_string()>{n.clone()}</option> }).collect_view()}
                        </select>
                    </div>
                }.into_any()
            }}
            <p id="why-not-answer">{answer}</p>
            {move || {
                let ((_, mentee), candidate) = (selected.get()?, other.get()?);
                let label = format!("Pin {} with {}", name_of(&names3, candidate), name_of(&names3, mentee));
                Some(view! {
                    <button on:click=move |_| {
                        config.update(|c| {
                            c.rules.pinned.retain(|(_, e)| *e != mentee);
                            c.rules.forbidden.retain(|p| *p != (candidate, mentee));
                            c.rules.pinned.push((candidate, mentee));
                        });
                        selected.set(Some((candidate, mentee)));
                        other.set(None);
                    }>{label}</button>
                })
            }}
        </aside>
    }
}
