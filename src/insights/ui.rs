//! The insights page (`/programmes/{id}/insights`) and the printable report
//! (`/programmes/{id}/report`), for the programme's admins.
//!
//! The group filter, the comparison, the pairs under a figure and the calibration's outcome
//! live in the address (`?group=department:Sales&compare=stage&pairs=first:none&outcome=rating`),
//! so every view can be linked to, works without JavaScript, and the back button walks them.

use super::api::*;
use super::*;
use crate::ui::chart::{Bar, BarChart, HBarChart};
use crate::ui::{format_date, loading, page_status, ErrorNotice, FormStatus, Outcome as FormOutcome};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
    params::ParamsMap,
};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

/// What the address says the page shows.
#[derive(Clone, Debug, Default, PartialEq)]
struct PageQuery {
    /// `dimension:value`, empty for everyone.
    group: String,
    compare: String,
    pairs: String,
    outcome: String,
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

impl PageQuery {
    fn read(m: &ParamsMap) -> PageQuery {
        let get = |k: &str| m.get(k).unwrap_or_default();
        PageQuery { group: get("group"), compare: get("compare"), pairs: get("pairs"), outcome: get("outcome") }
    }
    /// The group filter as the server functions take it: (dimension, value).
    fn filter(&self) -> (String, String) {
        match self.group.split_once(':') {
            Some((d, v)) => (d.to_string(), v.to_string()),
            None => (String::new(), String::new()),
        }
    }
    fn href(&self, id: i64) -> String {
        let mut parts = Vec::new();
        for (k, v) in [("group", &self.group), ("compare", &self.compare), ("pairs", &self.pairs), ("outcome", &self.outcome)] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", enc(v)));
            }
        }
        let q = if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) };
        format!("/programmes/{id}/insights{q}")
    }
    fn with_pairs(&self, key: &str) -> PageQuery {
        PageQuery { pairs: key.to_string(), ..self.clone() }
    }
    /// A CSV file of this view.
    fn file(&self, id: i64, slug: &str) -> String {
        let (d, v) = self.filter();
        format!("/programmes/{id}/insights-file/{slug}?dimension={}&value={}&compare_by={}&key={}", enc(&d), enc(&v), enc(&self.compare), enc(&self.pairs))
    }
}

fn share(count: u32, of: u32) -> String {
    if of == 0 {
        String::new()
    } else {
        format!(" of {of} ({:.0}%)", 100.0 * count as f64 / of as f64)
    }
}

fn or_dash(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "—".into())
}

/// The cells of the columns groups and programmes are compared by.
fn outcome_cells(o: &Outcomes) -> impl IntoView {
    view! {
        <td>{or_dash(o.mean_rating, |r| format!("{r:.1}"))}</td>
        <td>{or_dash(o.goal_completion, |g| format!("{g:.0}%"))}</td>
        <td>{o.survey_answers}</td>
        <td>{or_dash(o.recommend_score, |s| format!("{s:+.0}"))}</td>
    }
}

/// A list of figures, each with its number and a link to the pairs it counts.
fn figure_list(id: i64, q: &PageQuery, figures: &[Figure]) -> impl IntoView {
    view! {
        <ul class="figure-list">
            {figures.iter().map(|f| {
                let link = (!f.pairs.is_empty()).then(|| format!("{}#pairs", q.with_pairs(&f.pairs).href(id)));
                let label = f.label.clone();
                let text = if f.people { "their pairs" } else { "pairs" };
                view! {
                    <li>
                        <span class="figure-label">{f.label.clone()}</span> " "
                        <strong class="figure-count">{f.count}</strong>
                        <span class="muted">{share(f.count, f.of)}</span>
                        {link.map(|href| view! { " " <a href=href aria-label=format!("{text}: {label}")>{text}</a> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

fn bars(figures: &[Figure], short: &[&str]) -> Vec<Bar> {
    figures.iter().zip(short).map(|(f, s)| Bar { label: s.to_string(), value: f.count as f64 }).collect()
}

#[component]
pub fn InsightsPage() -> impl IntoView {
    let id = crate::ui::route_id();
    let query = use_query_map();
    let q = Memo::new(move |_| query.with(PageQuery::read));
    // The one answer the response waits for (the route streams in order): a refusal sets the
    // status code before anything is sent, and the head goes out while the figures are being
    // computed. Created first, so its query is not queued behind the snapshot's.
    let programme = Resource::new_blocking(id, |id| async move {
        let answer = insights_programme(id).await;
        if let Err(e) = &answer {
            page_status(e);
        }
        answer
    });
    // A group filter the figures would refuse (422 at the field) has to say so before the
    // response starts, too; the check needs no data.
    if let Err(e) = q.with_untracked(|q| {
        let (d, v) = q.filter();
        filter_from(&d, &v)
    }) {
        page_status(&e);
    }
    // Every panel's data is requested here, at once and once: created inside the figures'
    // Suspend, the panels waited for the figures first, and the server rendered them twice
    // (Suspense walks its children once to find their resources, then renders them).
    let data = Resource::new(
        move || (id(), q.with(|q| (q.filter(), q.compare.clone()))),
        |(id, ((d, v), c))| programme_insights(id, d, v, c),
    );
    let drill = Resource::new(
        move || (id(), q.with(|q| (q.pairs.clone(), q.filter()))),
        move |(id, (key, (d, v)))| async move {
            if key.is_empty() {
                Ok(None)
            } else {
                insight_pairs(id, key, d, v).await.map(Some)
            }
        },
    );
    // Loaded once per programme: acting on one pair or roadblock changes that row only, so
    // nothing typed in another is lost.
    let health = Resource::new(id, pair_health);
    let roadblocks = Resource::new(id, programme_roadblocks);
    let training = Resource::new(id, |id| crate::training::api::training_completion(id, true));
    let sessions = Resource::new(id, crate::sessions::api::lunch_and_learn_figures);
    let outcome = Memo::new(move |_| q.with(|q| Outcome::parse(&q.outcome).unwrap_or(Outcome::Rating)));
    let calibration = Resource::new(move || (id(), outcome.get()), |(id, o)| calibrate_weights(id, o.as_str().to_string()));
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move { match programme.await {
                Err(e) => view! { <Title text="Insights" /> <ErrorNotice error=e /> }.into_any(),
                Ok(name) => view! {
                    <Title text=format!("Insights: {name}") />
                    <Transition fallback=loading>
                        {move || Suspend::new(async move { match data.await {
                            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                            Ok(ins) => view! {
                                <Dashboard ins q=q.get_untracked() training sessions />
                                <PairsUnderFigure programme_id=id() q list=drill />
                                <HealthPanel programme_id=id() list=health />
                                <RoadblockPanel list=roadblocks />
                                <CalibrationPanel programme_id=id() q outcome result=calibration />
                            }.into_any(),
                        }})}
                    </Transition>
                }.into_any(),
            }})}
        </Suspense>
    }
}

#[component]
fn Dashboard(
    ins: Insights,
    q: PageQuery,
    training: Resource<Result<crate::training::TrainingProgress, AppError>>,
    sessions: Resource<Result<crate::sessions::SessionFigures, AppError>>,
) -> impl IntoView {
    let id = ins.programme_id;
    let selected = q.group.clone();
    let compare = q.compare.clone();
    let downloads: Vec<(String, &str)> = super::TABLES_FOR_PAGE.iter().map(|(slug, label)| (q.file(id, slug), *label)).collect();
    let groups = ins.groups.clone();
    let by_group = ins.by_group.clone();
    let programmes = ins.programmes.clone();
    let compare_by = ins.compare_by;
    let (withheld, people) = (ins.withheld, ins.people);
    view! {
        <div class="page-head">
            <h1>"Insights: " {ins.programme_name.clone()}</h1>
            <div class="actions">
                <A href=format!("/programmes/{id}/manage") attr:class="button">"Programme"</A>
                <A href=format!("/programmes/{id}/studio") attr:class="button">"Studio"</A>
                <a href=format!("/programmes/{id}/report") class="button primary">"Report for leadership"</a>
            </div>
        </div>
        <p class="muted">{format!("Figures as of {}. Admins see counts, ratings and survey answers, never chat or check-in notes.", crate::ui::format_date_time(ins.as_of))}</p>
        <Form method="get" action=format!("/programmes/{id}/insights") attr:class="filter-bar">
            <div class="field">
                <label for="f-group">"Whose figures"</label>
                <select id="f-group" name="group">
                    <option value="" selected=selected.is_empty()>"Everyone in the programme"</option>
                    {groups.iter().map(|(d, list)| view! {
                        <optgroup label=d.label()>
                            {list.iter().map(|(g, n)| {
                                let value = format!("{}:{g}", d.as_str());
                                let on = value == selected;
                                view! { <option value=value selected=on>{format!("{g} ({n})")}</option> }
                            }).collect_view()}
                        </optgroup>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-compare">"Compare groups by"</label>
                <select id="f-compare" name="compare">
                    {Dimension::ALL.into_iter().map(|d| view! { <option value=d.as_str() selected=d == compare_by>{d.label()}</option> }).collect_view()}
                </select>
            </div>
            <button type="submit">"Show"</button>
        </Form>
        {if withheld {
            view! {
                <p class="notice" role="status" id="withheld">{format!("This group has {} people in the programme. Figures for groups of fewer than {MIN_GROUP} are withheld, so that no figure singles anyone out.", people)}</p>
            }.into_any()
        } else {
            view! { <Figures ins=ins.clone() q=q.clone() /> }.into_any()
        }}
        <TrainingInsights programme_id=id progress=training />
        <crate::sessions::ui::SessionInsights programme_id=id figures=sessions />
        <section class="panel wide" aria-labelledby="compare-h">
            <h2 id="compare-h">{format!("By {}", compare_by.label().to_lowercase())}</h2>
            <p><a href=q.file(id, "groups") download rel="external">"Download (CSV)"</a></p>
            <div class="table-wrap">
                <table class="groups">
                    <thead><tr>
                        <th scope="col">"Group"</th><th scope="col">"People"</th><th scope="col">"Matched"</th><th scope="col">"First check-in held"</th>
                        <th scope="col">"Mean rating given"</th><th scope="col">"Own goals done"</th><th scope="col">"Survey answers"</th><th scope="col">"Recommend score"</th>
                    </tr></thead>
                    <tbody>
                        {by_group.iter().map(|g| {
                            let filter = PageQuery { group: format!("{}:{}", compare_by.as_str(), g.group), compare: compare.clone(), ..Default::default() };
                            if g.withheld {
                                view! { <tr><th scope="row">{g.group.clone()}</th><td>{g.people}</td><td colspan="6" class="muted">{format!("Withheld: fewer than {MIN_GROUP} people")}</td></tr> }.into_any()
                            } else {
                                view! {
                                    <tr>
                                        <th scope="row"><a href=filter.href(id)>{g.group.clone()}</a></th>
                                        <td>{g.people}</td><td>{g.matched}</td><td>{g.first_held}</td>
                                        {outcome_cells(&g.outcomes)}
                                    </tr>
                                }.into_any()
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="panel wide" aria-labelledby="programmes-h">
            <h2 id="programmes-h">"Programmes you run"</h2>
            <p><a href=q.file(id, "programmes") download rel="external">"Download (CSV)"</a></p>
            <div class="table-wrap">
                <table class="programmes-compare">
                    <thead><tr>
                        <th scope="col">"Programme"</th><th scope="col">"Pairs"</th><th scope="col">"With a check-in held"</th><th scope="col">"Mean rating"</th>
                        <th scope="col">"Goals done"</th><th scope="col">"Survey answers"</th><th scope="col">"Recommend score"</th>
                    </tr></thead>
                    <tbody>
                        {programmes.iter().map(|p| view! {
                            <tr>
                                <th scope="row"><a href=format!("/programmes/{}/insights", p.id)>{p.name.clone()}</a></th>
                                <td>{p.pairs}</td><td>{p.first_held}</td>
                                {outcome_cells(&p.outcomes)}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="panel wide" aria-labelledby="downloads-h">
            <h2 id="downloads-h">"Downloads"</h2>
            <ul class="downloads">
                {downloads.into_iter().map(|(href, label)| view! { <li><a href=href download rel="external">{label}</a></li> }).collect_view()}
            </ul>
        </section>
    }
}

/// Training completion and how trained pairs fare, for the whole programme.
#[component]
fn TrainingInsights(programme_id: i64, progress: Resource<Result<crate::training::TrainingProgress, AppError>>) -> impl IntoView {
    view! {
        <section class="panel wide" aria-labelledby="training-h">
            <h2 id="training-h">"Training"</h2>
            <p><a href=format!("/programmes/{programme_id}/insights-file/training") download rel="external">"Download (CSV)"</a></p>
            <Suspense fallback=crate::ui::loading>
                {move || Suspend::new(async move { match progress.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(p) => view! { <crate::training::ui::ProgressTables progress=p names=false /> }.into_any(),
                }})}
            </Suspense>
        </section>
    }
}

#[component]
fn Figures(ins: Insights, q: PageQuery) -> impl IntoView {
    let id = ins.programme_id;
    let funnel_bars: Vec<Bar> = ins.funnel.iter().map(|f| Bar { label: f.label.split(" (").next().unwrap_or("").to_string(), value: f.count as f64 }).collect();
    let first_bars = bars(&ins.first_checkin, &["≤ 7 days", "8–14", "15–28", "> 28", "not yet"]);
    let cadence_bars = bars(&ins.cadence, &["none", "< monthly", "monthly", "2+ a month"]);
    let rating_bars: Vec<Bar> = ins.ratings.iter().map(|p| Bar { label: p.month[2..].to_string(), value: p.mean_rating.unwrap_or(0.0) }).collect();
    let s = ins.survey.clone();
    let r = ins.roadblocks.clone();
    let (mentor, mentee) = (ins.mentor_word.clone(), ins.mentee_word.clone());
    view! {
        <section class="panel wide" aria-labelledby="targets-h">
            <h2 id="targets-h">"Objectives and targets"</h2>
            {(!ins.objectives.is_empty()).then(|| view! { <p class="objectives">{ins.objectives.clone()}</p> })}
            {if ins.targets.is_empty() {
                view! { <p class="empty">"No targets yet: set them in the programme's settings."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                    <table class="targets">
                        <thead><tr><th scope="col">"Metric"</th><th scope="col">"Target"</th><th scope="col">"Actual"</th><th scope="col">"Counted"</th><th scope="col">"Met"</th></tr></thead>
                        <tbody>
                            {ins.targets.iter().map(|t| {
                                let unit = t.metric.unit();
                                let href = format!("{}#pairs", q.with_pairs(t.metric.drill()).href(id));
                                view! {
                                    <tr data-metric=t.metric.as_str()>
                                        <th scope="row">{t.metric.label()}</th>
                                        <td>{unit.format(t.target)}</td>
                                        <td class="actual">{or_dash(t.actual, |a| unit.format(a))}</td>
                                        <td>{t.n} " " <a href=href aria-label=format!("Pairs: {}", t.metric.label())>"pairs"</a></td>
                                        <td>{match t.met {
                                            Some(true) => view! { <span class="badge good">"met"</span> }.into_any(),
                                            Some(false) => view! { <span class="badge bad">"not met"</span> }.into_any(),
                                            None => view! { <span class="muted">"nothing to measure yet"</span> }.into_any(),
                                        }}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                }.into_any()
            }}
        </section>
        <section class="panel wide" aria-labelledby="funnel-h">
            <h2 id="funnel-h">"From eligible to completed"</h2>
            <p class="muted">"People, each counted once per step."</p>
            <div class="charts">
                <div class="chart-box"><HBarChart bars=funnel_bars /></div>
                {figure_list(id, &q, &ins.funnel)}
            </div>
        </section>
        <div class="admin-grid">
        <section class="panel" aria-labelledby="first-h">
            <h2 id="first-h">"Match to first check-in"</h2>
            <p>{format!("Median: {}", or_dash(ins.median_days_to_first, |d| format!("{d:.0} days")))}</p>
            <BarChart bars=Signal::derive(move || first_bars.clone()) />
            {figure_list(id, &q, &ins.first_checkin)}
        </section>
        <section class="panel" aria-labelledby="cadence-h">
            <h2 id="cadence-h">"Check-in cadence"</h2>
            <p class="muted">"Held check-ins per four weeks, pairs at least four weeks old."</p>
            <BarChart bars=Signal::derive(move || cadence_bars.clone()) />
            {figure_list(id, &q, &ins.cadence)}
        </section>
        <section class="panel" aria-labelledby="goals-h">
            <h2 id="goals-h">"Goals on both sides"</h2>
            <dl class="goal-figures">
                {[(&mentee, &ins.goals[0], "goals:mentee", "What the {} learned"), (&mentor, &ins.goals[1], "goals:mentor", "What the {} gained")].into_iter().map(|(side, g, key, title)| {
                    let href = format!("{}#pairs", q.with_pairs(key).href(id));
                    view! {
                        <dt>{title.replace("{}", side)}</dt>
                        <dd>
                            <strong>{format!("{} of {} goals done", g.done, g.goals)}</strong>
                            {format!(" ({}); milestones {} of {}; ", or_dash(percent(g.done, g.goals), |p| format!("{p:.0}%")), g.milestones_done, g.milestones)}
                            <a href=href>{format!("{} pairs with goals", g.pairs_with_goals)}</a>
                        </dd>
                    }
                }).collect_view()}
            </dl>
        </section>
        <section class="panel" aria-labelledby="ratings-h">
            <h2 id="ratings-h">"Ratings and fit over time"</h2>
            {if ins.ratings.is_empty() {
                view! { <p class="empty">"No check-in feedback yet."</p> }.into_any()
            } else {
                view! {
                    <BarChart bars=Signal::derive(move || rating_bars.clone()) max=5.0 />
                    <div class="table-wrap">
                    <table class="ratings">
                        <thead><tr><th scope="col">"Month"</th><th scope="col">"Ratings"</th><th scope="col">"Mean"</th><th scope="col">"Good fit"</th><th scope="col">"Unsure"</th><th scope="col">"Not a fit"</th></tr></thead>
                        <tbody>
                            {ins.ratings.iter().map(|p| view! {
                                <tr>
                                    <th scope="row"><a href=format!("{}#pairs", q.with_pairs(&format!("month:{}", p.month)).href(id))>{p.month.clone()}</a></th>
                                    <td>{p.ratings}</td><td>{or_dash(p.mean_rating, |r| format!("{r:.2}"))}</td>
                                    <td>{p.good}</td><td>{p.unsure}</td>
                                    <td>{if p.not_fit > 0 { view! { <a href=format!("{}#pairs", q.with_pairs("fit:not_fit").href(id))>{p.not_fit}</a> }.into_any() } else { view! { "0" }.into_any() }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                }.into_any()
            }}
        </section>
        <section class="panel" aria-labelledby="survey-h">
            <h2 id="survey-h">"End-of-cycle survey"</h2>
            <p>
                <a href=format!("{}#pairs", q.with_pairs("surveyed").href(id))>{format!("{} answers", s.answers)}</a>
                {format!(". Recommend score {} ({} promoters, {} passives, {} detractors); {} would take part again.", or_dash(s.recommend_score, |v| format!("{v:+.0}")), s.promoters, s.passives, s.detractors, s.again)}
            </p>
            <p>{format!("{} {}s of {} say they gained something; {} {}s of {}.", s.mentors_gained, ins.mentor_word, s.mentor_answers, s.mentees_gained, ins.mentee_word, s.mentee_answers)}</p>
            {(!s.learned.is_empty()).then(|| view! {
                <h3>"What people learned"</h3>
                <ul class="quotes">
                    {s.learned.iter().map(|(side, text)| view! { <li><q>{text.clone()}</q> <span class="muted">{format!("— a {side}")}</span></li> }).collect_view()}
                </ul>
                {(s.learned_total as usize > s.learned.len()).then(|| view! { <p><a href=q.file(id, "learned") download rel="external">{format!("All {} answers (CSV)", s.learned_total)}</a></p> })}
            })}
        </section>
        <section class="panel" aria-labelledby="roadblock-figures-h">
            <h2 id="roadblock-figures-h">"Roadblocks"</h2>
            <p>
                <a href=format!("{}#pairs", q.with_pairs("roadblocks:any").href(id))>{format!("{} raised", r.raised)}</a>
                {format!(": {} open, {} acknowledged, {} resolved.", r.open, r.acknowledged, r.resolved)}
            </p>
            <p>{format!("Median time to acknowledge: {}; to resolve: {}.", or_dash(r.median_ack_hours, hours), or_dash(r.median_resolve_hours, hours))}</p>
            <p>
                <a href=format!("{}#pairs", q.with_pairs("at_risk").href(id))>{format!("{} of {} active pairs at risk", ins.at_risk, ins.active_pairs)}</a>
                " (the list is below)."
            </p>
        </section>
        </div>
    }
}

/// At-risk pairs listed before the rest fold away.
const SHOWN_AT_RISK: usize = 20;

fn hours(h: f64) -> String {
    if h < 48.0 {
        format!("{h:.0} hours")
    } else {
        format!("{:.1} days", h / 24.0)
    }
}

fn pair_rows(list: Vec<PairInsight>) -> impl IntoView {
    view! {
        <div class="table-wrap">
        <table class="pairs insight-pairs">
            <thead><tr>
                <th scope="col">"Pair"</th><th scope="col">"Since"</th><th scope="col">"Held / missed"</th><th scope="col">"Last check-in"</th>
                <th scope="col">"Last message"</th><th scope="col">"Mean rating"</th><th scope="col">"Goals done"</th><th scope="col">"Flags"</th>
            </tr></thead>
            <tbody>
                {list.into_iter().map(|p| view! {
                    <tr data-pair=p.pair_id>
                        <th scope="row">{format!("{} · {}", p.mentor, p.mentee)} {(!p.active).then(|| view! { " " <span class="badge">"ended"</span> })}</th>
                        <td>{format_date(p.since)}</td>
                        <td>{format!("{} / {}", p.held, p.missed)}</td>
                        <td>{p.last_checkin.map(format_date).unwrap_or_else(|| "—".into())}</td>
                        <td>{p.last_message.map(format_date).unwrap_or_else(|| "—".into())}</td>
                        <td>{or_dash(p.mean_rating, |r| format!("{r:.1}"))}</td>
                        <td>{format!("{} of {}", p.goals_done, p.goals)}</td>
                        <td>{p.flags.iter().map(|f| view! { <span class="badge bad">{f.text.clone()}</span> " " }).collect_view()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}

/// The pairs under the figure named in `?pairs=`.
#[component]
fn PairsUnderFigure(programme_id: i64, q: Memo<PageQuery>, list: Resource<Result<Option<PairList>, AppError>>) -> impl IntoView {
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move { match list.await {
                Err(e) => view! { <section class="panel wide" id="pairs"><ErrorNotice error=e /></section> }.into_any(),
                Ok(None) => ().into_any(),
                Ok(Some(l)) => {
                    let query = q.get_untracked();
                    let close = PageQuery { pairs: String::new(), ..query.clone() }.href(programme_id);
                    view! {
                        <section class="panel wide" id="pairs" aria-labelledby="pairs-list-h">
                            <h2 id="pairs-list-h">{l.title.clone()}</h2>
                            <p>
                                {if l.total as usize > l.pairs.len() { format!("{} pairs; the {} newest are listed. ", l.total, l.pairs.len()) } else { format!("{} pairs. ", l.total) }}
                                <a href=query.file(programme_id, "pairs") download rel="external">"Download all (CSV)"</a> " · "
                                <a href=close>"Close the list"</a>
                            </p>
                            {pair_rows(l.pairs)}
                        </section>
                    }.into_any()
                }
            }})}
        </Transition>
    }
}

/// Pairs at risk, with their reasons and what an admin can do.
#[component]
fn HealthPanel(programme_id: i64, list: Resource<Result<HealthList, AppError>>) -> impl IntoView {
    view! {
        <section class="panel wide" aria-labelledby="at-risk-h" id="health">
            <h2 id="at-risk-h">"Pairs at risk"</h2>
            <p><a href=format!("/programmes/{programme_id}/insights-file/health") download rel="external">"Download (CSV)"</a></p>
            <Transition fallback=loading>
                {move || Suspend::new(async move { match list.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(h) => {
                        let s = h.settings;
                        view! {
                            <p class="muted">{format!(
                                "At risk: no check-in held for {} days, no message for {} days, two check-ins missed in eight weeks, a recent rating of {} or less, \"not a fit\", an open roadblock, or one side writing alone. Pairs get a gentle reminder after {} days without a check-in. {} flagged pairs were noted as handled.",
                                s.quiet_checkin_days, s.quiet_message_days, s.low_rating,
                                if s.nudge_checkin_days == 0 { "no".to_string() } else { s.nudge_checkin_days.to_string() }, h.handled
                            )}</p>
                            {if h.pairs.is_empty() {
                                view! { <p class="empty">"No pair is at risk."</p> }.into_any()
                            } else {
                                let total = h.total;
                                let listed = h.pairs.len();
                                let (first, rest): (Vec<PairInsight>, Vec<PairInsight>) = {
                                    let mut all = h.pairs;
                                    let rest = all.split_off(listed.min(SHOWN_AT_RISK));
                                    (all, rest)
                                };
                                view! {
                                    <p>{if total as usize > listed {
                                        format!("{total} pairs at risk, the most flags and the longest quiet first; the first {listed} are here, all of them in the download.")
                                    } else {
                                        format!("{total} pairs at risk, the most flags and the longest quiet first.")
                                    }}</p>
                                    <ul class="at-risk">
                                        {first.into_iter().map(|p| view! { <AtRiskPair programme_id pair=p /> }).collect_view()}
                                    </ul>
                                    {(!rest.is_empty()).then(|| view! {
                                        <details class="more">
                                            <summary>{format!("The other {}", rest.len())}</summary>
                                            <ul class="at-risk">
                                                {rest.into_iter().map(|p| view! { <AtRiskPair programme_id pair=p /> }).collect_view()}
                                            </ul>
                                        </details>
                                    })}
                                }.into_any()
                            }}
                        }.into_any()
                    }
                }})}
            </Transition>
        </section>
    }
}

#[component]
fn AtRiskPair(programme_id: i64, pair: PairInsight) -> impl IntoView {
    let pid = pair.pair_id;
    let message = RwSignal::new(format!(
        "Hello {} and {}: how is your pairing going? A short check-in this week keeps the momentum. If something is in the way, reply with a roadblock from your workspace and we will help.",
        pair.mentor, pair.mentee
    ));
    let note = RwSignal::new(String::new());
    let form = FormOutcome::new();
    let (errors, status) = (form.errors, form.status);
    let nudge = Action::new(move |m: &String| nudge_pair(pid, m.clone()));
    form.follow(nudge, move |t| form.done(format!("Sent to both on {}. The next nudge is possible in a week.", format_date(t))));
    let handled = Action::new(move |n: &String| mark_handled(pid, n.clone()));
    let done = FormOutcome::new();
    done.follow(handled, move |()| done.done("Noted as handled: the pair leaves this list until a new reason appears."));
    let title = format!("{} · {}", pair.mentor, pair.mentee);
    let msg_id = format!("f-nudge-{pid}");
    let note_id = format!("f-handled-{pid}");
    let opened = RwSignal::new(false);
    // Once: setting the signal again would rebuild the forms.
    let build_forms = move || {
        if !opened.get_untracked() {
            opened.set(true);
        }
    };
    // Opened before the browser half took over, the toggle event went unheard.
    let details = NodeRef::<leptos::html::Details>::new();
    Effect::new(move |_| {
        if details.get().is_some_and(|d| d.open()) {
            build_forms();
        }
    });
    view! {
        <li class="at-risk-pair" data-pair=pid>
            <h3>{title.clone()}</h3>
            <ul class="reasons">{pair.flags.iter().map(|f| view! { <li data-reason=f.reason.as_str()>{f.text.clone()}</li> }).collect_view()}</ul>
            <p class="muted">{format!(
                "Paired {}; {} check-ins held.{}",
                format_date(pair.since),
                pair.held,
                pair.last_nudge.map(|t| format!(" Last nudged {}.", format_date(t))).unwrap_or_default()
            )}</p>
            // The forms are built when an admin first opens them (they need the browser half to
            // act anyway): thirty rows of forms were a third of the page the browser had to lay
            // out and hydrate. What was typed stays across closing and reopening.
            <details node_ref=details on:toggle=move |_| build_forms()>
                <summary>"Nudge, note as handled, or rematch"</summary>
                <p><A href=format!("/programmes/{programme_id}/manage#pairs-h")>"Open the rematch"</A></p>
                {move || opened.get().then(|| {
                let (msg_id, note_id, title) = (msg_id.clone(), note_id.clone(), title.clone());
                view! {
                <form on:submit=move |ev| { ev.prevent_default(); nudge.dispatch(message.get_untracked()); } novalidate>
                    <div class="field" class:invalid=move || errors.with(|e| e.get("message").is_some())>
                        <label for=msg_id.clone()>{format!("Message to {title} (their inbox; one nudge a week)")}</label>
                        <textarea id=msg_id rows="3" prop:value=move || message.get() on:input=move |ev| message.set(event_target_value(&ev))></textarea>
                        <p class="error">{move || errors.with(|e| e.get("message"))}</p>
                    </div>
                    <FormStatus message=status />
                    <button type="submit" disabled=move || nudge.pending().get()>"Send the nudge"</button>
                </form>
                <form on:submit=move |ev| { ev.prevent_default(); handled.dispatch(note.get_untracked()); } novalidate>
                    <div class="field" class:invalid=move || done.errors.with(|e| e.get("note").is_some())>
                        <label for=note_id.clone()>"What was done (for the admins; optional)"</label>
                        <textarea id=note_id rows="2" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                        <p class="error">{move || done.errors.with(|e| e.get("note"))}</p>
                    </div>
                    <FormStatus message=done.status />
                    <button type="submit" class="secondary" disabled=move || handled.pending().get()>"Note as handled"</button>
                </form>
                }})}
            </details>
        </li>
    }
}

/// Roadblocks to triage: open → acknowledged → resolved, with a note only admins read.
#[component]
fn RoadblockPanel(list: Resource<Result<RoadblockTriage, AppError>>) -> impl IntoView {
    view! {
        <section class="panel wide" aria-labelledby="triage-h" id="roadblocks">
            <h2 id="triage-h">"Roadblock triage"</h2>
            <p class="muted">"The person who raised a roadblock sees its state, never your note."</p>
            <Transition fallback=loading>
                {move || Suspend::new(async move { match list.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(l) if l.rows.is_empty() => view! { <p class="empty">"No roadblocks raised."</p> }.into_any(),
                    Ok(l) => {
                        let cut = l.cut().then(|| format!(
                            "{} open and {} acknowledged: the newest {MAX_WAITING_ROADBLOCKS} of each are here; older ones appear as these are resolved.",
                            l.open, l.acknowledged
                        ));
                        let (done, waiting): (Vec<RoadblockRow>, Vec<RoadblockRow>) = l.rows.into_iter().partition(|r| r.state == RoadblockState::Resolved);
                        view! {
                            {if waiting.is_empty() {
                                view! { <p class="empty">"Nothing waiting: every roadblock is resolved."</p> }.into_any()
                            } else {
                                view! {
                                    {cut.map(|text| view! { <p>{text}</p> })}
                                    <ul class="triage">{waiting.into_iter().map(|r| view! { <Triage r /> }).collect_view()}</ul>
                                }.into_any()
                            }}
                            {(!done.is_empty()).then(|| view! {
                                <details class="more">
                                    <summary>{format!("Resolved ({})", done.len())}</summary>
                                    <ul class="triage">{done.into_iter().map(|r| view! { <Triage r /> }).collect_view()}</ul>
                                </details>
                            })}
                        }.into_any()
                    }
                }})}
            </Transition>
        </section>
    }
}

#[component]
fn Triage(r: RoadblockRow) -> impl IntoView {
    let rid = r.id;
    let note = RwSignal::new(r.note.clone());
    // The state as this admin last saw it: sent with each action, so a move or a note based on
    // a state someone else has changed is refused rather than undoing theirs.
    let state = RwSignal::new(r.state);
    let form = FormOutcome::new();
    let (errors, status) = (form.errors, form.status);
    let act = Action::new(move |(from, to, n): &(RoadblockState, RoadblockState, String)| {
        triage_roadblock(rid, from.as_str().to_string(), to.as_str().to_string(), n.clone())
    });
    form.follow(act, move |to: RoadblockState| {
        let moved = to != state.get_untracked();
        state.set(to);
        form.done(if moved { format!("Now: {}. The person who raised it was told.", to.label()) } else { "Note saved.".to_string() });
    });
    let note_id = format!("f-rb-note-{rid}");
    let moves = move |s: RoadblockState| -> Vec<(RoadblockState, &'static str)> {
        match s {
            RoadblockState::Open => vec![(RoadblockState::Acknowledged, "Acknowledge"), (RoadblockState::Resolved, "Resolve")],
            RoadblockState::Acknowledged => vec![(RoadblockState::Resolved, "Resolve"), (RoadblockState::Open, "Reopen")],
            RoadblockState::Resolved => vec![(RoadblockState::Open, "Reopen")],
        }
    };
    view! {
        <li class="roadblock" data-roadblock=rid data-pair=r.pair_id data-state=move || state.get().as_str()>
            <p>
                <span class=move || format!("badge {}", if state.get() == RoadblockState::Resolved { "good" } else { "bad" })>{move || state.get().label()}</span>
                " " <strong>{r.raised_by.clone()}</strong> {format!(" (paired with {}), {}", r.partner, format_date(r.created_at))}
            </p>
            <blockquote>{r.body.clone()}</blockquote>
            <form on:submit=move |ev| ev.prevent_default() novalidate>
                <div class="field" class:invalid=move || errors.with(|e| e.get("note").is_some())>
                    <label for=note_id.clone()>"Private note (admins only)"</label>
                    <textarea id=note_id rows="2" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                    <p class="error">{move || errors.with(|e| e.get("note"))}</p>
                </div>
                <FormStatus message=status />
                <div class="actions">
                    {move || moves(state.get()).into_iter().map(|(to, label)| view! {
                        <button type="button" on:click=move |_| { act.dispatch((state.get_untracked(), to, note.get_untracked())); } disabled=move || act.pending().get()>{label}</button>
                    }).collect_view()}
                    <button type="button" class="secondary" on:click=move |_| { let s = state.get_untracked(); act.dispatch((s, s, note.get_untracked())); } disabled=move || act.pending().get()>"Save the note"</button>
                </div>
            </form>
        </li>
    }
}

/// Matching criteria related to an outcome, with suggested weights.
#[component]
fn CalibrationPanel(programme_id: i64, q: Memo<PageQuery>, outcome: Memo<Outcome>, result: Resource<Result<Calibration, AppError>>) -> impl IntoView {
    view! {
        <section class="panel wide" aria-labelledby="calibration-h" id="calibration">
            <h2 id="calibration-h">"Calibrate the matching on this programme's outcomes"</h2>
            <Form method="get" action=format!("/programmes/{programme_id}/insights") attr:class="filter-bar">
                {move || {
                    let q = q.get();
                    view! {
                        <input type="hidden" name="group" value=q.group />
                        <input type="hidden" name="compare" value=q.compare />
                    }
                }}
                <div class="field">
                    <label for="f-outcome">"Outcome"</label>
                    <select id="f-outcome" name="outcome">
                        {Outcome::ALL.into_iter().map(|o| view! { <option value=o.as_str() selected=move || outcome.get() == o>{o.label()}</option> }).collect_view()}
                    </select>
                </div>
                <button type="submit">"Relate"</button>
            </Form>
            <Transition fallback=loading>
                {move || Suspend::new(async move { match result.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(c) => view! { <CalibrationTable c programme_id /> }.into_any(),
                }})}
            </Transition>
            <details class="method">
                <summary>"How this is computed, and its limits"</summary>
                <p>"Each pair's criterion scores (kept from when the pair was formed) and its outcome are ranked. Two figures per criterion: Spearman's rank correlation with the outcome, and the criterion's effect with the other criteria held fixed (a lightly regularised regression on the ranks). Matching trades criteria against each other, so a criterion can correlate with a poor outcome only because the pairs strong on it were weak on the one that matters; the second figure tells them apart. Intervals come from 2,000 bootstrap resamples of the pairs (95% shown). Whether a criterion counts as evidence is a permutation test: the outcomes are shuffled across pairs 1,000 times, and the criterion's held-fixed effect must beat the largest effect any criterion shows in 95% of the shuffles, so pure noise shows evidence for some criterion about one time in twenty. Nothing is estimated below 30 pairs with the outcome."</p>
                <p>"These are associations, not causes: pairs were formed by the old weights, so a criterion that was high for every pair cannot show an effect; criteria are related to each other, so one may stand in for another. The suggestion moves a weight by ten times the held-fixed effect, and only where there is evidence. You decide: the studio opens with the suggested weights and changes nothing until you run and publish."</p>
            </details>
        </section>
    }
}

#[component]
fn CalibrationTable(c: Calibration, programme_id: i64) -> impl IntoView {
    if c.effects.is_empty() {
        return view! {
            <p class="notice" id="calibration-not-enough">{format!(
                "Not enough data yet: {} pairs have this outcome; calibration needs at least {}.", c.pairs, c.threshold
            )}</p>
        }
        .into_any();
    }
    let changed = c.weights_suggested != c.weights_now;
    let link = studio_link(programme_id, &c.weights_suggested);
    let outcome = c.outcome;
    view! {
        <p>{format!("{} pairs with this outcome; {} bootstrap resamples.", c.pairs, c.resamples)}</p>
        <div class="table-wrap">
        <table class="calibration">
            <thead><tr>
                <th scope="col">"Criterion"</th><th scope="col">"Rank correlation (95% interval)"</th><th scope="col">"With the other criteria held fixed (95% interval)"</th>
                <th scope="col">"Top third minus bottom third (95% interval)"</th><th scope="col">"Evidence"</th><th scope="col">"Weight now → suggested"</th>
            </tr></thead>
            <tbody>
                {c.effects.iter().map(|e| {
                    let evidence = match e.evidence {
                        Evidence::Helps => view! { <span class="badge good">"helps"</span> }.into_any(),
                        Evidence::Hurts => view! { <span class="badge bad">"hurts"</span> }.into_any(),
                        Evidence::None => view! { <span class="muted">"no evidence"</span> }.into_any(),
                        Evidence::NoVariation => view! { <span class="muted">"the same for almost every pair"</span> }.into_any(),
                    };
                    let varies = e.evidence != Evidence::NoVariation;
                    view! {
                        <tr data-criterion=format!("{:?}", e.criterion)>
                            <th scope="row">{e.criterion.label()}</th>
                            <td>{if varies { format!("{:+.2} ({:+.2} to {:+.2})", e.rho, e.low, e.high) } else { "—".into() }}</td>
                            <td>{if varies { format!("{:+.2} ({:+.2} to {:+.2})", e.beta, e.beta_low, e.beta_high) } else { "—".into() }}</td>
                            <td>{if varies { format!("{} ({} to {})", signed(outcome, e.top_minus_bottom), signed(outcome, e.diff_low), signed(outcome, e.diff_high)) } else { "—".into() }}</td>
                            <td>{evidence}</td>
                            <td>{format!("{} → {}", e.weight_now, e.weight_suggested)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        </div>
        {if changed {
            view! { <p><a class="button primary" href=link id="open-studio-weights">"Open in the studio with these weights"</a></p> }.into_any()
        } else {
            view! { <p class="muted" id="calibration-no-change">"No criterion shows evidence either way: keep the weights as they are."</p> }.into_any()
        }}
    }
    .into_any()
}

fn signed(o: Outcome, v: f64) -> String {
    let s = o.format(v.abs());
    if v < 0.0 { format!("−{s}") } else { format!("+{s}") }
}

/// The report for leadership: objectives, targets, key figures, charts and the quotes people
/// agreed to share, on a page that prints as it reads (the browser's "Save as PDF").
#[component]
pub fn ReportPage() -> impl IntoView {
    let id = crate::ui::route_id();
    let data = Resource::new(id, |id| programme_insights(id, String::new(), String::new(), String::new()));
    view! {
        <Title text="Programme report" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move { match data.await {
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                Ok(ins) => view! { <Report ins /> }.into_any(),
            }})}
        </Suspense>
    }
}

#[component]
fn Report(ins: Insights) -> impl IntoView {
    let id = ins.programme_id;
    let funnel_bars: Vec<Bar> = ins.funnel.iter().map(|f| Bar { label: f.label.split(" (").next().unwrap_or("").to_string(), value: f.count as f64 }).collect();
    let rating_bars: Vec<Bar> = ins.ratings.iter().map(|p| Bar { label: p.month[2..].to_string(), value: p.mean_rating.unwrap_or(0.0) }).collect();
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    let s = ins.survey.clone();
    view! {
        <article class="report">
            <p class="no-print"><a href=format!("/programmes/{id}/insights")>"Back to the insights"</a> " " <button type="button" class="primary" on:click=print>"Print or save as PDF"</button></p>
            <h1>{ins.programme_name.clone()}</h1>
            <p class="muted">{format!("Report of {}", crate::ui::format_date(ins.as_of))}</p>
            {(!ins.objectives.is_empty()).then(|| view! { <h2>"Objectives"</h2> <p>{ins.objectives.clone()}</p> })}
            <h2>"Targets"</h2>
            {if ins.targets.is_empty() {
                view! { <p>"No targets were set."</p> }.into_any()
            } else {
                view! {
                    <table class="targets">
                        <thead><tr><th scope="col">"Metric"</th><th scope="col">"Target"</th><th scope="col">"Actual"</th><th scope="col">"Met"</th></tr></thead>
                        <tbody>{ins.targets.iter().map(|t| {
                            let u = t.metric.unit();
                            view! { <tr><th scope="row">{t.metric.label()}</th><td>{u.format(t.target)}</td><td>{or_dash(t.actual, |a| u.format(a))}</td><td>{match t.met { Some(true) => "met", Some(false) => "not met", None => "—" }}</td></tr> }
                        }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
            <h2>"Participation"</h2>
            <div class="chart-box"><HBarChart bars=funnel_bars /></div>
            <ul class="figure-list">{ins.funnel.iter().map(|f| view! { <li>{format!("{}: {}{}", f.label, f.count, share(f.count, f.of))}</li> }).collect_view()}</ul>
            <h2>"Key figures"</h2>
            <ul class="figure-list">
                <li>{format!("Median days from match to first check-in: {}", or_dash(ins.median_days_to_first, |d| format!("{d:.0}")))}</li>
                <li>{format!("Goals done: {} of {} ({}s), {} of {} ({}s)", ins.goals[0].done, ins.goals[0].goals, ins.mentee_word, ins.goals[1].done, ins.goals[1].goals, ins.mentor_word)}</li>
                <li>{format!("Survey: {} answers, recommend score {}, {} would take part again", s.answers, or_dash(s.recommend_score, |v| format!("{v:+.0}")), s.again)}</li>
                <li>{format!("Roadblocks: {} raised, {} resolved", ins.roadblocks.raised, ins.roadblocks.resolved)}</li>
            </ul>
            {(!ins.ratings.is_empty()).then(|| view! {
                <h2>"Mean check-in rating by month"</h2>
                <BarChart bars=Signal::derive(move || rating_bars.clone()) max=5.0 />
            })}
            <h2>"In their words"</h2>
            {if s.quotes.is_empty() {
                view! { <p>"No participant has agreed to be quoted yet."</p> }.into_any()
            } else {
                view! { <ul class="quotes">{s.quotes.iter().map(|(side, text)| view! { <li><q>{text.clone()}</q> <span class="muted">{format!("— a {side}")}</span></li> }).collect_view()}</ul> }.into_any()
            }}
        </article>
    }
}
