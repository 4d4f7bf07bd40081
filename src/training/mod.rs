//! Training: guides in Markdown that a programme's participants read before and during their
//! pairing, some required of a role, some with two or three check questions.
//!
//! Every programme starts with Upmentor's starter guides ([`STARTER_GUIDES`]), its own copies
//! that its admins may edit, mark required, or delete. A participant marks a guide done (after
//! answering its questions rightly); the manage page and the insights page count who has.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod ui;

use crate::error::{AppError, FieldErrors};
use crate::programmes::EnrolRole;
use serde::{Deserialize, Serialize};

/// Who a guide is written for. `Lead` guides are for the programme's admins and are not shown
/// to participants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    Mentor,
    Mentee,
    Everyone,
    Lead,
}

stored_as_text!(Audience { Mentor = "mentor", Mentee = "mentee", Everyone = "everyone", Lead = "lead" });

impl Audience {
    pub fn label(self) -> &'static str {
        match self {
            Audience::Mentor => "Mentors",
            Audience::Mentee => "Mentees",
            Audience::Everyone => "Everyone",
            Audience::Lead => "Programme leads",
        }
    }

    /// Whether a participant in `role` is who this guide is for.
    pub fn includes(self, role: EnrolRole) -> bool {
        match self {
            Audience::Everyone => true,
            Audience::Mentor => role == EnrolRole::Mentor,
            Audience::Mentee => role == EnrolRole::Mentee,
            Audience::Lead => false,
        }
    }
}

/// A check question: a prompt and two to five options, one of them right. What participants
/// receive never says which ([`Question::answer`] is `None` for them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub prompt: String,
    pub options: Vec<String>,
    /// The right option's index from 0; only the programme's admins receive it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<usize>,
}

/// A guide as a list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuideSummary {
    pub id: i64,
    pub title: String,
    pub audience: Audience,
    /// Every participant of the audience must read it (and answer its questions).
    pub required: bool,
    pub questions: u32,
    /// The viewer marked it done.
    pub done: bool,
}

/// A programme's guides as the viewer may see them: participants see every guide but the
/// leads'; the programme's admins see all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuideList {
    pub programme_id: i64,
    pub programme_name: String,
    pub can_manage: bool,
    /// The viewer's role in the programme, when they take part.
    pub my_role: Option<EnrolRole>,
    pub guides: Vec<GuideSummary>,
}

/// One guide to read: its Markdown rendered to sanitised HTML, its questions, and (for admins)
/// the Markdown and the answers to edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guide {
    pub id: i64,
    pub programme_id: i64,
    pub programme_name: String,
    pub title: String,
    pub audience: Audience,
    pub required: bool,
    /// The body as HTML, sanitised on the server (no scripts, styles, images or event
    /// attributes), ready to place in the page.
    pub html: String,
    pub questions: Vec<Question>,
    pub done: bool,
    /// The viewer may mark it done: they take part in the programme.
    pub can_complete: bool,
    pub can_manage: bool,
    /// For admins: what the editor starts from. `None` for participants.
    pub edit: Option<GuideInput>,
}

/// A guide as the admin types it: flat fields, so the same form posts with or without
/// JavaScript. Each question is a prompt, its options one per line, and the right option's
/// number from 1; a question whose prompt is empty is left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GuideInput {
    pub title: String,
    pub audience: String,
    pub required: bool,
    pub body: String,
    /// Its version when the editor opened, so a save over someone else's newer save is refused.
    pub version: i64,
    pub q1_prompt: String,
    pub q1_options: String,
    pub q1_answer: String,
    pub q2_prompt: String,
    pub q2_options: String,
    pub q2_answer: String,
    pub q3_prompt: String,
    pub q3_options: String,
    pub q3_answer: String,
}

/// A checked [`GuideInput`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidGuide {
    pub title: String,
    pub audience: Audience,
    pub required: bool,
    pub body: String,
    pub questions: Vec<Question>,
}

pub const MAX_TITLE: usize = 120;
/// A guide's Markdown, in characters: about fifteen printed pages.
pub const MAX_BODY: usize = 40_000;
pub const MAX_PROMPT: usize = 300;
pub const MAX_OPTION: usize = 200;
pub const MAX_OPTIONS: usize = 5;
/// Guides a programme may hold.
pub const MAX_GUIDES: i64 = 40;

impl GuideInput {
    fn questions_raw(&self) -> [(&str, &str, &str); 3] {
        [
            (&self.q1_prompt, &self.q1_options, &self.q1_answer),
            (&self.q2_prompt, &self.q2_options, &self.q2_answer),
            (&self.q3_prompt, &self.q3_options, &self.q3_answer),
        ]
    }

    /// Checks every field and gathers every problem at its field (`title`, `audience`, `body`,
    /// `q1_prompt`, `q1_options`, `q1_answer`, …): 422 with all of them, or the guide.
    pub fn validate(&self) -> Result<ValidGuide, AppError> {
        let mut errors = FieldErrors::new();
        let title = self.title.trim().to_string();
        if title.is_empty() {
            errors.add("title", "Give the guide a title.");
        } else if title.chars().count() > MAX_TITLE {
            errors.add("title", format!("At most {MAX_TITLE} characters."));
        }
        let audience = Audience::parse(&self.audience);
        if audience.is_none() {
            errors.add("audience", "Choose who the guide is for.");
        }
        let body = self.body.trim().to_string();
        if body.is_empty() {
            errors.add("body", "Write the guide's text.");
        } else if body.chars().count() > MAX_BODY {
            errors.add("body", format!("At most {MAX_BODY} characters; split it into two guides."));
        }
        let mut questions = Vec::new();
        for (i, (prompt, options, answer)) in self.questions_raw().into_iter().enumerate() {
            let n = i + 1;
            let prompt = prompt.trim();
            let options: Vec<String> = options.lines().map(str::trim).filter(|o| !o.is_empty()).map(String::from).collect();
            if prompt.is_empty() {
                if !options.is_empty() || !answer.trim().is_empty() {
                    errors.add(format!("q{n}_prompt"), "Write the question, or clear its options to leave it out.");
                }
                continue;
            }
            if prompt.chars().count() > MAX_PROMPT {
                errors.add(format!("q{n}_prompt"), format!("At most {MAX_PROMPT} characters."));
            }
            if options.len() < 2 || options.len() > MAX_OPTIONS {
                errors.add(format!("q{n}_options"), format!("Give 2 to {MAX_OPTIONS} options, one per line."));
            } else if options.iter().any(|o| o.chars().count() > MAX_OPTION) {
                errors.add(format!("q{n}_options"), format!("Each option at most {MAX_OPTION} characters."));
            }
            let right = answer.trim().parse::<usize>().ok().filter(|a| *a >= 1 && *a <= options.len().max(1));
            if right.is_none() {
                errors.add(format!("q{n}_answer"), "Give the number of the right option (1 for the first line).");
            }
            questions.push(Question { prompt: prompt.to_string(), options, answer: right.map(|a| a - 1) });
        }
        errors.into_result(ValidGuide { title, audience: audience.unwrap_or(Audience::Everyone), required: self.required, body, questions })
    }

    /// The editor's fields for a stored guide.
    pub fn from_guide(title: &str, audience: Audience, required: bool, body: &str, questions: &[Question], version: i64) -> GuideInput {
        let q = |i: usize| questions.get(i);
        let prompt = |i| q(i).map(|q| q.prompt.clone()).unwrap_or_default();
        let options = |i| q(i).map(|q| q.options.join("\n")).unwrap_or_default();
        let answer = |i| q(i).and_then(|q| q.answer).map(|a| (a + 1).to_string()).unwrap_or_default();
        GuideInput {
            title: title.into(),
            audience: audience.as_str().into(),
            required,
            body: body.into(),
            version,
            q1_prompt: prompt(0),
            q1_options: options(0),
            q1_answer: answer(0),
            q2_prompt: prompt(1),
            q2_options: options(1),
            q2_answer: answer(1),
            q3_prompt: prompt(2),
            q3_options: options(2),
            q3_answer: answer(2),
        }
    }
}

/// The key two guides of one programme may not share: the title, trimmed, spaces collapsed,
/// in lower case. The database holds it unique per programme, so a double click creates one.
pub fn title_key(title: &str) -> String {
    title.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Which of a participant's `chosen` answers (option indexes, `None` unanswered) are wrong:
/// the numbers from 1 of the questions to look at again, empty when all are right.
pub fn wrong_answers(questions: &[Question], chosen: &[Option<usize>]) -> Vec<usize> {
    questions
        .iter()
        .enumerate()
        .filter(|(i, q)| chosen.get(*i).copied().flatten() != q.answer)
        .map(|(i, _)| i + 1)
        .collect()
}

/// One of the guides every programme starts with.
pub struct StarterGuide {
    /// Stable name: a programme holds at most one copy of each.
    pub slug: &'static str,
    pub title: &'static str,
    pub audience: Audience,
    pub required: bool,
    pub body: &'static str,
    pub questions: &'static [(&'static str, &'static [&'static str], usize)],
}

/// Upmentor's starter guides, written for reverse mentoring: for mentors (how to share what
/// they know), for mentees (how to receive it and give feedback), for both (a first meeting,
/// feedback across levels, raising a roadblock) and for programme leads.
pub const STARTER_GUIDES: &[StarterGuide] = &[
    StarterGuide {
        slug: "mentor",
        title: "Mentoring someone more senior",
        audience: Audience::Mentor,
        required: true,
        body: include_str!("guides/mentor.md"),
        questions: &[
            ("Where should a session start?", &["From the features of the tool", "From your mentee's own work and what takes them longest", "From your own goals"], 1),
            ("A meeting keeps being cancelled. What do you do?", &["Nothing: they are senior", "Raise a roadblock from the workspace", "End the pair yourself"], 1),
        ],
    },
    StarterGuide {
        slug: "mentee",
        title: "Being mentored by a junior colleague",
        audience: Audience::Mentee,
        required: true,
        body: include_str!("guides/mentee.md"),
        questions: &[
            ("What helps your mentor most?", &["Pretending you already know the basics", "Asking the basic question and trying things between check-ins", "Keeping meetings short and rare"], 1),
            ("How do you thank a mentor well?", &["In general terms", "For something specific they did", "Not at all: it is their job"], 1),
        ],
    },
    StarterGuide { slug: "first-meeting", title: "Your first meeting", audience: Audience::Everyone, required: false, body: include_str!("guides/first-meeting.md"), questions: &[] },
    StarterGuide {
        slug: "feedback",
        title: "Giving and taking feedback across levels",
        audience: Audience::Everyone,
        required: false,
        body: include_str!("guides/feedback.md"),
        questions: &[],
    },
    StarterGuide { slug: "roadblocks", title: "How to raise a roadblock", audience: Audience::Everyone, required: false, body: include_str!("guides/roadblocks.md"), questions: &[] },
    StarterGuide { slug: "lead", title: "Running the programme: a lead's checklist", audience: Audience::Lead, required: false, body: include_str!("guides/lead.md"), questions: &[] },
];

impl StarterGuide {
    pub fn questions(&self) -> Vec<Question> {
        self.questions
            .iter()
            .map(|(prompt, options, answer)| Question { prompt: prompt.to_string(), options: options.iter().map(|o| o.to_string()).collect(), answer: Some(*answer) })
            .collect()
    }
}

/// A guide linked from a pair's workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuideLink {
    pub id: i64,
    pub title: String,
    pub required: bool,
    pub done: bool,
}

/// How far a programme's participants are with their guides: per guide, and who still has a
/// required guide to read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingProgress {
    pub guides: Vec<GuideProgress>,
    /// Approved participants by role with every required guide of their role done.
    pub mentors_ready: u32,
    pub mentors: u32,
    pub mentees_ready: u32,
    pub mentees: u32,
    /// Participants with a required guide not done, by name (at most [`MAX_BEHIND_LISTED`]).
    pub behind: Vec<Behind>,
    /// How many participants are behind in all (the list may be cut).
    pub behind_total: u32,
    /// Trained and other pairs' check-in ratings, when asked for (the insights page).
    pub outcomes: Option<TrainingOutcomes>,
}

/// Pairs whose two members both did every required guide of their role, and the others: their
/// check-in ratings side by side (a comparison, not a proof that training helps).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingOutcomes {
    pub trained: PairOutcome,
    pub untrained: PairOutcome,
}

/// Check-in ratings of a set of pairs. `mean_rating` is `None` when the set has fewer than
/// [`crate::insights::MIN_GROUP`] pairs (withheld, as elsewhere on the insights page) or no
/// rating yet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PairOutcome {
    pub pairs: u32,
    pub ratings: u32,
    pub mean_rating: Option<f64>,
}

/// Participants listed as behind on the manage page; the total is always given.
pub const MAX_BEHIND_LISTED: usize = 50;

/// One guide's completion: how many of the participants it is for have marked it done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuideProgress {
    pub id: i64,
    pub title: String,
    pub audience: Audience,
    pub required: bool,
    pub done: u32,
    /// Approved participants it is for (0 for a leads' guide).
    pub of: u32,
}

/// A participant with required guides still to read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Behind {
    pub user_id: i64,
    pub name: String,
    pub role: EnrolRole,
    pub missing: u32,
}

/// Renders a guide's Markdown (CommonMark with tables and strikethrough) to HTML that is safe
/// to place in the page: `ammonia` keeps only formatting tags and `http`, `https` and `mailto`
/// links (opened with `rel="noopener noreferrer"`), and drops images, which the site's content
/// policy would block anyway.
#[cfg(feature = "ssr")]
pub fn render(markdown: &str) -> String {
    use pulldown_cmark::{html, Options, Parser};
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH));
    ammonia::Builder::default()
        .rm_tags(["img"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> GuideInput {
        GuideInput { title: "A guide".into(), audience: "mentor".into(), body: "Text".into(), ..Default::default() }
    }

    #[test]
    fn every_problem_is_reported_at_its_field() {
        let bad = GuideInput {
            title: " ".into(),
            audience: "boss".into(),
            body: "x".repeat(MAX_BODY + 1),
            q1_prompt: "Why?".into(),
            q1_options: "only one".into(),
            q1_answer: "2".into(),
            q2_options: "a\nb".into(),
            ..Default::default()
        };
        let errors = bad.validate().unwrap_err().field_errors();
        for field in ["title", "audience", "body", "q1_options", "q1_answer", "q2_prompt"] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
        assert!(errors.get("q3_prompt").is_none());
    }

    #[test]
    fn questions_are_read_one_option_per_line_and_numbered_from_one() {
        let v = GuideInput { q2_prompt: "Which?".into(), q2_options: "first\n\n second \nthird".into(), q2_answer: "3".into(), ..input() }.validate().unwrap();
        assert_eq!(v.questions, vec![Question { prompt: "Which?".into(), options: vec!["first".into(), "second".into(), "third".into()], answer: Some(2) }]);
        let back = GuideInput::from_guide(&v.title, v.audience, v.required, &v.body, &v.questions, 4);
        assert_eq!((back.q1_prompt.as_str(), back.q1_options.as_str(), back.q1_answer.as_str(), back.version), ("Which?", "first\nsecond\nthird", "3", 4));
    }

    #[test]
    fn wrong_and_missing_answers_are_named() {
        let q = |a| Question { prompt: "?".into(), options: vec!["a".into(), "b".into()], answer: Some(a) };
        let qs = [q(0), q(1), q(1)];
        assert_eq!(wrong_answers(&qs, &[Some(0), Some(1), Some(1)]), Vec::<usize>::new());
        assert_eq!(wrong_answers(&qs, &[Some(1), None, Some(1)]), vec![1, 2]);
        assert_eq!(wrong_answers(&[], &[]), Vec::<usize>::new());
    }

    #[test]
    fn titles_clash_whatever_their_spacing_and_case() {
        assert_eq!(title_key("  Your  first Meeting "), title_key("your first meeting"));
    }

    #[test]
    fn starter_guides_have_sound_questions_and_unique_names() {
        let mut slugs: Vec<_> = STARTER_GUIDES.iter().map(|g| g.slug).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), STARTER_GUIDES.len());
        for g in STARTER_GUIDES {
            let input = GuideInput::from_guide(g.title, g.audience, g.required, g.body, &g.questions(), 0);
            assert_eq!(input.validate().map(|v| v.questions), Ok(g.questions()), "{}", g.slug);
        }
        assert!(STARTER_GUIDES.iter().any(|g| g.required && g.audience == Audience::Mentor));
        assert!(STARTER_GUIDES.iter().any(|g| g.required && g.audience == Audience::Mentee));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn rendering_keeps_formatting_and_drops_what_could_run() {
        let html = render("## Head\n\n**bold** [ok](https://example.test) [bad](javascript:alert(1))\n\n<script>alert(1)</script><img src=x onerror=alert(1)><p onclick=\"x()\">p</p>\n\n| a | b |\n|---|---|\n| 1 | 2 |");
        assert!(html.contains("<h2>Head</h2>") && html.contains("<strong>bold</strong>") && html.contains("<table>"), "{html}");
        assert!(html.contains(r#"href="https://example.test" rel="noopener noreferrer""#), "{html}");
        for bad in ["<script", "javascript:", "<img", "onerror", "onclick"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
    }
}
