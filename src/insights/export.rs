//! Every table of the insights page as a CSV file for the programme's admins:
//! `GET /programmes/{id}/insights-file/{table}?dimension=&value=&compare_by=&key=` (saved as
//! `programme-{id}-{table}.csv`; no extension in the path, which would mark it a static file), with the
//! same group filter as the page, cells neutralised against formula injection.

use super::*;
use crate::people::export::{csv_file, download};
use crate::server::{guards::{manages_programme, CurrentUser}, AppState};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};

/// One table of the page: its file name part, columns and rows as text.
pub struct Table {
    pub slug: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map(|v| format!("{v:.digits$}")).unwrap_or_default()
}

/// Mean rating, goals done (%), survey answers, recommend score.
fn outcome_cells(o: &Outcomes) -> [String; 4] {
    [opt(o.mean_rating, 2), opt(o.goal_completion, 1), o.survey_answers.to_string(), opt(o.recommend_score, 0)]
}

fn figures(slug: &'static str, list: &[Figure]) -> Table {
    Table {
        slug,
        columns: vec!["Figure", "Count", "Of", "Share (%)"],
        rows: list.iter().map(|f| vec![f.label.clone(), f.count.to_string(), f.of.to_string(), opt(percent(f.count, f.of), 1)]).collect(),
    }
}

/// The table `slug` of `ins`; `None` for an unknown name.
pub fn table(ins: &Insights, slug: &str) -> Option<Table> {
    let t = match slug {
        "targets" => Table {
            slug: "targets",
            columns: vec!["Metric", "Target", "Actual", "Counted", "Met"],
            rows: ins
                .targets
                .iter()
                .map(|t| {
                    vec![
                        t.metric.label().into(),
                        format!("{}", t.target),
                        opt(t.actual, 2),
                        t.n.to_string(),
                        t.met.map(|m| if m { "yes" } else { "no" }.to_string()).unwrap_or_default(),
                    ]
                })
                .collect(),
        },
        "funnel" => figures("funnel", &ins.funnel),
        "first-checkin" => figures("first-checkin", &ins.first_checkin),
        "cadence" => figures("cadence", &ins.cadence),
        "goals" => Table {
            slug: "goals",
            columns: vec!["Side", "Goals", "Done", "Milestones", "Milestones done", "Pairs with goals"],
            rows: [(&ins.mentee_word, &ins.goals[0]), (&ins.mentor_word, &ins.goals[1])]
                .into_iter()
                .map(|(side, g)| {
                    vec![side.clone(), g.goals.to_string(), g.done.to_string(), g.milestones.to_string(), g.milestones_done.to_string(), g.pairs_with_goals.to_string()]
                })
                .collect(),
        },
        "ratings" => Table {
            slug: "ratings",
            columns: vec!["Month", "Ratings", "Mean rating", "Good fit", "Unsure", "Not a fit"],
            rows: ins
                .ratings
                .iter()
                .map(|p| vec![p.month.clone(), p.ratings.to_string(), opt(p.mean_rating, 2), p.good.to_string(), p.unsure.to_string(), p.not_fit.to_string()])
                .collect(),
        },
        "survey" => {
            let s = &ins.survey;
            Table {
                slug: "survey",
                columns: vec!["Figure", "Value"],
                rows: vec![
                    vec!["Answers".into(), s.answers.to_string()],
                    vec!["Promoters (9-10)".into(), s.promoters.to_string()],
                    vec!["Passives (7-8)".into(), s.passives.to_string()],
                    vec!["Detractors (0-6)".into(), s.detractors.to_string()],
                    vec!["Recommend score".into(), opt(s.recommend_score, 0)],
                    vec!["Would take part again".into(), s.again.to_string()],
                    vec![format!("{}s who gained something", ins.mentor_word), format!("{} of {}", s.mentors_gained, s.mentor_answers)],
                    vec![format!("{}s who gained something", ins.mentee_word), format!("{} of {}", s.mentees_gained, s.mentee_answers)],
                ],
            }
        }
        "learned" => Table {
            slug: "learned",
            columns: vec!["Side", "What I learned"],
            rows: ins.survey.learned.iter().map(|(side, text)| vec![side.clone(), text.clone()]).collect(),
        },
        "roadblocks" => {
            let r = &ins.roadblocks;
            Table {
                slug: "roadblocks",
                columns: vec!["Raised", "Open", "Acknowledged", "Resolved", "Median hours to acknowledge", "Median hours to resolve"],
                rows: vec![vec![
                    r.raised.to_string(),
                    r.open.to_string(),
                    r.acknowledged.to_string(),
                    r.resolved.to_string(),
                    opt(r.median_ack_hours, 1),
                    opt(r.median_resolve_hours, 1),
                ]],
            }
        }
        "groups" => Table {
            slug: "groups",
            columns: vec!["Group", "People", "Matched", "First check-in held", "Mean rating given", "Own goals done (%)", "Survey answers", "Recommend score"],
            rows: ins
                .by_group
                .iter()
                .map(|g| {
                    if g.withheld {
                        vec![g.group.clone(), g.people.to_string(), "withheld (fewer than 5 people)".into(), String::new(), String::new(), String::new(), String::new(), String::new()]
                    } else {
                        let mut row = vec![g.group.clone(), g.people.to_string(), g.matched.to_string(), g.first_held.to_string()];
                        row.extend(outcome_cells(&g.outcomes));
                        row
                    }
                })
                .collect(),
        },
        "programmes" => Table {
            slug: "programmes",
            columns: vec!["Programme", "Pairs", "Pairs with a check-in held", "Mean rating", "Goals done (%)", "Survey answers", "Recommend score"],
            rows: ins
                .programmes
                .iter()
                .map(|p| {
                    let mut row = vec![p.name.clone(), p.pairs.to_string(), p.first_held.to_string()];
                    row.extend(outcome_cells(&p.outcomes));
                    row
                })
                .collect(),
        },
        _ => return None,
    };
    Some(t)
}

/// The pairs under one figure as rows (every one, not only the first page's).
pub fn pairs_table(list: &[PairInsight]) -> Table {
    let date = |t: Option<i64>| t.map(crate::ui::format_date).unwrap_or_default();
    Table {
        slug: "pairs",
        columns: vec!["Pair", "Mentor", "Mentee", "Active", "Since", "Check-ins held", "Missed", "Last check-in", "Last message", "Mean rating", "Goals", "Goals done", "Open roadblocks", "At risk because"],
        rows: list
            .iter()
            .map(|p| {
                vec![
                    p.pair_id.to_string(),
                    p.mentor.clone(),
                    p.mentee.clone(),
                    if p.active { "yes" } else { "no" }.into(),
                    crate::ui::format_date(p.since),
                    p.held.to_string(),
                    p.missed.to_string(),
                    date(p.last_checkin),
                    date(p.last_message),
                    opt(p.mean_rating, 2),
                    p.goals.to_string(),
                    p.goals_done.to_string(),
                    p.open_roadblocks.to_string(),
                    p.flags.iter().map(|f| f.text.clone()).collect::<Vec<_>>().join("; "),
                ]
            })
            .collect(),
    }
}

/// The page's query, as the links carry it.
#[derive(Debug, Default, serde::Deserialize)]
pub struct FileQuery {
    #[serde(default)]
    pub dimension: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub compare_by: String,
    /// For `pairs.csv`: the figure's drill-down key.
    #[serde(default)]
    pub key: String,
}

/// The training table: one row per guide with how many of the participants it is for did it.
pub fn training_rows(p: &crate::training::TrainingProgress) -> Vec<Vec<String>> {
    p.guides
        .iter()
        .map(|g| vec![g.title.clone(), g.audience.label().into(), if g.required { "yes" } else { "no" }.into(), g.done.to_string(), g.of.to_string()])
        .collect()
}

/// The sessions table: one row per approved session, latest first.
pub fn session_rows(f: &crate::sessions::SessionFigures) -> Vec<Vec<String>> {
    f.rows
        .iter()
        .map(|r| {
            let starts = chrono::DateTime::from_timestamp(r.starts_at, 0).map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
            vec![
                r.topic.clone(),
                r.host.clone(),
                starts,
                r.capacity.to_string(),
                r.booked.to_string(),
                r.waiting.to_string(),
                r.attended.to_string(),
                r.ratings.to_string(),
                opt(r.mean_rating, 2),
            ]
        })
        .collect()
}

pub async fn insights_file(
    Path((id, file)): Path<(i64, String)>,
    Query(q): Query<FileQuery>,
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Response {
    let slug = file.as_str();
    let filter = match api::filter_from(&q.dimension, &q.value) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    if q.key.chars().count() > api::MAX_KEY {
        return StatusCode::NOT_FOUND.into_response();
    }
    if let Err(e) = manages_programme(&state.db, &user, id).await {
        return e.into_response();
    }
    if slug == "training" {
        return match crate::training::db::progress(&state.db, id, false).await {
            Ok(p) => download(&format!("programme-{id}-training.csv"), csv_file(&["Guide", "For", "Required", "Done", "Of"], training_rows(&p))),
            Err(e) => crate::error::AppError::from(e).into_response(),
        };
    }
    if slug == "sessions" {
        return match crate::sessions::db::figures(&state.db, id, crate::server::db::now()).await {
            Ok(f) => download(
                &format!("programme-{id}-sessions.csv"),
                csv_file(&["Session", "Host", "Starts (UTC)", "Capacity", "Seats taken", "Waiting", "Came", "Ratings", "Mean rating"], session_rows(&f)),
            ),
            Err(e) => crate::error::AppError::from(e).into_response(),
        };
    }
    let snapshot = match db::snapshot(&state.db, id, crate::server::db::now()).await {
        Ok(Some(s)) => s,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    let table = if slug == "pairs" || slug == "health" {
        let list = if slug == "health" {
            compute::health_list(&snapshot).pairs
        } else {
            match compute::drill_all(&snapshot, &filter, if q.key.is_empty() { "all" } else { q.key.trim() }) {
                Some(l) => l,
                None => return StatusCode::NOT_FOUND.into_response(),
            }
        };
        pairs_table(&list)
    } else {
        let programmes = match db::programme_rows(&state.db, user.id, id).await {
            Ok(p) => p,
            Err(e) => return crate::error::AppError::from(e).into_response(),
        };
        let compare_by = Dimension::parse(q.compare_by.trim()).unwrap_or(Dimension::Department);
        let ins = compute::insights(&snapshot, &filter, compare_by, programmes);
        match table(&ins, slug) {
            Some(t) => t,
            None => return StatusCode::NOT_FOUND.into_response(),
        }
    };
    download(&format!("programme-{id}-{}.csv", table.slug), csv_file(&table.columns, table.rows))
}
