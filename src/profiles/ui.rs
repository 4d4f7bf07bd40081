//! Pages for the people directory, a person's profile, and editing your own profile.

use super::api::{departments as directory_departments, directory, get_profile, profile_editor, save_profile};
use super::{
    format_minutes, level_label, parse_minutes, DirectoryQuery, EditorData, MeetingFormat, Profile, ProfileInput,
    SkillEntry, SkillKind, Slot, MAX_BIO, WEEKDAYS,
};
use crate::error::{AppError, FieldErrors};
use crate::ui::{field_error, ErrorNotice, FormStatus, TextField};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::{use_params_map, use_query_map},
};

#[component]
pub fn DirectoryPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        query_map.with(|q| DirectoryQuery {
            q: q.get("q").unwrap_or_default(),
            department: q.get("department").unwrap_or_default(),
            skill: q.get("skill").unwrap_or_default(),
            level: q.get("level").and_then(|l| l.parse().ok()).unwrap_or(0),
            page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(0),
        })
    });
    let results = Resource::new(move || query.get(), directory);
    let page_link = move |page: i32| {
        let q = query.get_untracked();
        let level = if q.level > 0 { q.level.to_string() } else { String::new() };
        format!("/people{}", crate::ui::query_string(&[("q", q.q), ("department", q.department), ("skill", q.skill), ("level", level), ("page", crate::ui::page_param(page))]))
    };
    // Two resources, each awaited in one boundary: the departments for the filter (read once,
    // so a search leaves the form as it is, focus and typing included) and the results.
    let departments = Resource::new(|| (), |_| directory_departments());
    view! {
        <Title text="People" />
        <h1>"People"</h1>
        <Form method="GET" action="/people" attr:class="filters" attr:role="search">
            <div class="field">
                <label for="f-q">"Name or title"</label>
                <input id="f-q" name="q" type="search" value=move || query.get().q />
            </div>
            <div class="field">
                <label for="f-skill">"Can teach"</label>
                <input id="f-skill" name="skill" type="search" value=move || query.get().skill placeholder="e.g. Python" />
            </div>
            <Transition fallback=move || department_field(Vec::new(), String::new())>
                {move || Suspend::new(async move {
                    department_field(departments.await.unwrap_or_default(), query.get_untracked().department)
                })}
            </Transition>
            <div class="field">
                <label for="f-level">"Level"</label>
                <select id="f-level" name="level">
                    <option value="0">"Any"</option>
                    {(1..=10).map(|l| view! { <option value=l.to_string() selected=move || query.get().level == l>{level_label(l)}</option> }).collect_view()}
                </select>
            </div>
            <button type="submit" class="primary">"Search"</button>
        </Form>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move { match results.await {
                Ok(page) => {
                    view! {
                        <p class="count" aria-live="polite">{format!("{} {}", page.total, if page.total == 1 { "person" } else { "people" })}</p>
                        <ul class="people">
                            {page.people.into_iter().map(|p| view! {
                                <li class="person">
                                    <A href=format!("/people/{}", p.id)><strong>{p.name}</strong></A>
                                    <span class="meta">{p.job_title} " · " {p.department} " · level " {p.level}</span>
                                    <span class="meta">{p.location}</span>
                                    {(!p.teach.is_empty()).then(|| view! { <span class="tags">"Teaches: " {p.teach.join(", ")}</span> })}
                                </li>
                            }).collect_view()}
                        </ul>
                        {crate::ui::pager(page.total, page.page, page.page_size, page_link)}
                    }.into_any()
                }
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
            }})}
        </Transition>
    }
}

/// The directory's department filter: "Any" and each department, `current` selected.
fn department_field(departments: Vec<String>, current: String) -> impl IntoView {
    view! {
        <div class="field">
            <label for="f-department">"Department"</label>
            <select id="f-department" name="department">
                <option value="">"Any"</option>
                {departments.into_iter().map(|d| {
                    let selected = d == current;
                    view! { <option value=d.clone() selected=selected>{d.clone()}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

fn skill_list(entries: &[SkillEntry]) -> String {
    entries.iter().map(|e| format!("{} ({})", e.skill, e.level)).collect::<Vec<_>>().join(", ")
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(-1));
    let profile = Resource::new(id, get_profile);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move { match profile.await {
                Ok(p) => view! { <ProfileView profile=p /> }.into_any(),
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
            }})}
        </Suspense>
    }
}

#[component]
fn ProfileView(profile: Profile) -> impl IntoView {
    let p = profile;
    view! {
        <Title text=p.name.clone() />
        <article class="profile">
            <h1>{p.name.clone()}</h1>
            <p class="lead">{p.job_title.clone()} " · " {p.department.clone()}</p>
            <dl class="facts">
                <dt>"Level"</dt><dd>{level_label(p.level)}</dd>
                <dt>"Manager"</dt>
                <dd>{match (p.manager_id, p.manager_name.clone()) {
                    (Some(id), Some(name)) => view! { <A href=format!("/people/{id}")>{name}</A> }.into_any(),
                    _ => view! { "—" }.into_any(),
                }}</dd>
                <dt>"Location"</dt><dd>{p.location.clone()} " (" {p.timezone.clone()} ")"</dd>
                <dt>"Languages"</dt><dd>{p.languages.join(", ")}</dd>
                <dt>"Prefers to meet"</dt><dd>{p.format.label()}</dd>
                <dt>"Email"</dt><dd><a href=format!("mailto:{}", p.email)>{p.email.clone()}</a></dd>
            </dl>
            {(!p.bio.is_empty()).then(|| view! { <p class="bio">{p.bio.clone()}</p> })}
            {move || crate::accounts::use_auth().is_admin().then(|| view! { <crate::people::ui::AccountPanel email=p.email.clone() /> })}
            <section>
                <h2>"Can teach"</h2>
                <p>{if p.teach.is_empty() { "Nothing listed yet.".to_string() } else { skill_list(&p.teach) }}</p>
                <h2>"Wants to learn"</h2>
                <p>{if p.learn.is_empty() { "Nothing listed yet.".to_string() } else { skill_list(&p.learn) }}</p>
                <h2>"Professional hobbies"</h2>
                <p>{if p.hobbies.is_empty() { "Nothing listed yet.".to_string() } else { skill_list(&p.hobbies) }}</p>
                <h2>"Usually free"</h2>
                <ul>
                    {p.availability.iter().map(|s| view! {
                        <li>{format!("{} {}–{}", WEEKDAYS[s.weekday.clamp(0, 6) as usize], format_minutes(s.start), format_minutes(s.end))}</li>
                    }).collect_view()}
                </ul>
            </section>
        </article>
    }
}

#[component]
pub fn EditProfilePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| profile_editor());
    view! {
        <Title text="My profile" />
        <h1>"My profile"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move { match data.await {
                Ok(d) => view! { <ProfileEditor data=d /> <crate::accounts::ui::ChangePasswordForm /> }.into_any(),
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
            }})}
        </Suspense>
        <crate::pairs::ui::CalendarFeedPanel />
        <crate::notifications::ui::MailChoicesPanel />
    }
}

#[derive(Clone, Copy)]
struct SkillRow {
    key: u32,
    skill: RwSignal<String>,
    level: RwSignal<i32>,
}

#[derive(Clone, Copy)]
struct SlotRow {
    key: u32,
    weekday: RwSignal<i32>,
    start: RwSignal<String>,
    end: RwSignal<String>,
}

/// Keys for list rows, so that editing one row never re-creates the others.
#[derive(Clone, Copy)]
struct Keys(StoredValue<u32>);

impl Keys {
    fn next(&self) -> u32 {
        self.0.update_value(|k| *k += 1);
        self.0.get_value()
    }
}

#[component]
fn ProfileEditor(data: EditorData) -> impl IntoView {
    let EditorData { profile, from_hr, timezones, vocabulary } = data;
    let input = ProfileInput::from(&profile);
    let keys = Keys(StoredValue::new(0));
    let name = RwSignal::new(input.name.clone());
    let job_title = RwSignal::new(input.job_title.clone());
    let level = RwSignal::new(input.level);
    let department = RwSignal::new(input.department.clone());
    let manager_email = RwSignal::new(input.manager_email.clone());
    let location = RwSignal::new(input.location.clone());
    let timezone = RwSignal::new(input.timezone.clone());
    let languages = RwSignal::new(input.languages.clone());
    let format = RwSignal::new(input.format);
    let bio = RwSignal::new(input.bio.clone());
    let rows = |entries: &[SkillEntry]| {
        RwSignal::new(
            entries
                .iter()
                .map(|e| SkillRow { key: keys.next(), skill: RwSignal::new(e.skill.clone()), level: RwSignal::new(e.level) })
                .collect::<Vec<_>>(),
        )
    };
    let teach = rows(&input.teach);
    let learn = rows(&input.learn);
    let hobbies = rows(&input.hobbies);
    let slots = RwSignal::new(
        input
            .availability
            .iter()
            .map(|s| SlotRow {
                key: keys.next(),
                weekday: RwSignal::new(s.weekday),
                start: RwSignal::new(format_minutes(s.start)),
                end: RwSignal::new(format_minutes(s.end)),
            })
            .collect::<Vec<_>>(),
    );
    let errors = RwSignal::new(FieldErrors::new());
    let status = RwSignal::new(None::<(bool, String)>);
    let timezones = StoredValue::new(timezones);
    let save = Action::new(move |input: &ProfileInput| save_profile(input.clone()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => {
            errors.set(FieldErrors::new());
            status.set(Some((true, "Your profile is saved.".into())));
        }
        Some(Err(e)) => {
            errors.set(e.field_errors());
            status.set(Some((false, e.to_string())));
        }
        None => {}
    });

    let collect = move || {
        let entries = |rows: RwSignal<Vec<SkillRow>>| {
            rows.get_untracked()
                .iter()
                .map(|r| SkillEntry { skill: r.skill.get_untracked(), level: r.level.get_untracked() })
                .collect::<Vec<_>>()
        };
        let mut time_errors = FieldErrors::new();
        let availability = slots
            .get_untracked()
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let start = parse_minutes(&r.start.get_untracked());
                let end = parse_minutes(&r.end.get_untracked());
                if start.is_none() {
                    time_errors.add(format!("availability.{i}.start"), "Enter a time like 09:30.");
                }
                if end.is_none() {
                    time_errors.add(format!("availability.{i}.end"), "Enter a time like 17:00.");
                }
                Slot { weekday: r.weekday.get_untracked(), start: start.unwrap_or(0), end: end.unwrap_or(0) }
            })
            .collect();
        let input = ProfileInput {
            name: name.get_untracked(),
            job_title: job_title.get_untracked(),
            level: level.get_untracked(),
            department: department.get_untracked(),
            manager_email: manager_email.get_untracked(),
            location: location.get_untracked(),
            timezone: timezone.get_untracked(),
            languages: languages.get_untracked(),
            teach: entries(teach),
            learn: entries(learn),
            hobbies: entries(hobbies),
            availability,
            format: format.get_untracked(),
            bio: bio.get_untracked(),
        };
        (input, time_errors)
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (input, time_errors) = collect();
        let checked = input.validate(|tz| {
            timezones.with_value(|t| t.iter().any(|n| n == tz)).then(|| tz.to_string()).ok_or_else(|| format!("“{tz}” is not in the list."))
        });
        let mut all = checked.as_ref().err().map(|e| e.field_errors()).unwrap_or_default();
        all.0.extend(time_errors.0);
        if all.is_empty() {
            status.set(None);
            save.dispatch(input);
        } else {
            errors.set(all);
            status.set(Some((false, AppError::Invalid(FieldErrors::new()).to_string())));
        }
    };
    let level_err = field_error(errors, "level");
    let level_err1 = level_err.clone();
    let tz_err = field_error(errors, "timezone");
    let (tz_err1, tz_err2) = (tz_err.clone(), tz_err.clone());
    let lang_err = field_error(errors, "languages");
    let bio_err = field_error(errors, "bio");
    let bio_err1 = bio_err.clone();
    let avail_err = field_error(errors, "availability");
    view! {
        <form class="profile-form" on:submit=submit novalidate>
            <datalist id="skill-vocabulary">
                {vocabulary.into_iter().map(|s| view! { <option value=s /> }).collect_view()}
            </datalist>
            <fieldset>
                <legend>"About you"</legend>
                <TextField label="Name" name="name".to_string() value=name errors=errors autocomplete="name" />
                {if from_hr {
                    view! {
                        <dl class="from-hr" aria-label="From HR">
                            <dt>"Job title"</dt><dd>{job_title.get_untracked()} <span class="badge">"from HR"</span></dd>
                            <dt>"Seniority level"</dt><dd>{level_label(level.get_untracked())} <span class="badge">"from HR"</span></dd>
                            <dt>"Department"</dt><dd>{department.get_untracked()} <span class="badge">"from HR"</span></dd>
                            <dt>"Manager"</dt><dd>{let m = manager_email.get_untracked(); if m.is_empty() { "—".to_string() } else { m }} <span class="badge">"from HR"</span></dd>
                        </dl>
                        <p class="hint">"These come from your HR system; ask HR to change them."</p>
                    }.into_any()
                } else {
                    view! {
                        <TextField label="Job title" name="job_title".to_string() value=job_title errors=errors autocomplete="organization-title" />
                        <div class="field" class:invalid=move || level_err1().is_some()>
                            <label for="f-level">"Seniority level"</label>
                            <select id="f-level" name="level" on:change=move |ev| level.set(event_target_value(&ev).parse().unwrap_or(0))>
                                {(1..=10).map(|l| view! { <option value=l.to_string() selected=move || level.get() == l>{level_label(l)}</option> }).collect_view()}
                            </select>
                            <p class="error">{level_err}</p>
                        </div>
                        <TextField label="Department" name="department".to_string() value=department errors=errors />
                        <TextField label="Manager's email" name="manager_email".to_string() value=manager_email errors=errors kind="email" hint="Leave empty if you report to no one here." />
                    }.into_any()
                }}
                <TextField label="Location" name="location".to_string() value=location errors=errors hint="City or office." />
                <div class="field" class:invalid=move || tz_err1().is_some()>
                    <label for="f-timezone">"Timezone"</label>
                    <select id="f-timezone" name="timezone" on:change=move |ev| timezone.set(event_target_value(&ev)) aria-describedby="f-timezone-err">
                        {timezones.get_value().into_iter().map(|tz| {
                            let (t, label) = (tz.clone(), tz.clone());
                            view! { <option value=tz selected=move || timezone.get() == t>{label}</option> }
                        }).collect_view()}
                    </select>
                    <p class="error" id="f-timezone-err">{tz_err2}</p>
                </div>
                <TextField label="Languages you can mentor in" name="languages".to_string() value=languages errors=errors hint="Separate them with commas, e.g. English, Spanish." />
                <fieldset class="inline-choices">
                    <legend>"Preferred format"</legend>
                    {MeetingFormat::ALL.into_iter().map(|f| view! {
                        <label class="choice">
                            <input type="radio" name="format" value=f.as_str() checked=move || format.get() == f on:change=move |_| format.set(f) />
                            {f.label()}
                        </label>
                    }).collect_view()}
                </fieldset>
                <div class="field" class:invalid=move || bio_err1().is_some()>
                    <label for="f-bio">"Short bio"</label>
                    <textarea id="f-bio" name="bio" rows="4" maxlength=MAX_BIO.to_string() prop:value=move || bio.get() on:input=move |ev| bio.set(event_target_value(&ev)) aria-describedby="f-bio-err">{input.bio.clone()}</textarea>
                    <p class="hint">{move || format!("{} / {MAX_BIO} characters", bio.with(|b| b.chars().count()))}</p>
                    <p class="error" id="f-bio-err">{bio_err}</p>
                </div>
                <p class="error">{lang_err}</p>
            </fieldset>
            <SkillList kind=SkillKind::Teach title="Skills you can teach" rows=teach errors keys />
            <SkillList kind=SkillKind::Learn title="Skills you want to learn" rows=learn errors keys />
            <SkillList kind=SkillKind::Hobby title="Professional hobbies and expertise outside your job" rows=hobbies errors keys />
            <fieldset>
                <legend>"When you are usually free (your own time)"</legend>
                <p class="error">{avail_err}</p>
                <ul class="rows">
                    <For each=move || slots.get() key=|r| r.key let:row>
                        <SlotEditor row slots errors />
                    </For>
                </ul>
                <button type="button" class="small" on:click=move |_| slots.update(|v| v.push(SlotRow {
                    key: keys.next(),
                    weekday: RwSignal::new(0),
                    start: RwSignal::new("12:00".into()),
                    end: RwSignal::new("13:00".into()),
                }))>"Add a time slot"</button>
            </fieldset>
            <FormStatus message=status />
            <button type="submit" class="primary" disabled=move || save.pending().get()>
                {move || if save.pending().get() { "Saving…" } else { "Save profile" }}
            </button>
        </form>
    }
}

#[component]
fn SkillList(
    kind: SkillKind,
    title: &'static str,
    rows: RwSignal<Vec<SkillRow>>,
    errors: RwSignal<FieldErrors>,
    keys: Keys,
) -> impl IntoView {
    let list_err = field_error(errors, kind.field());
    let scale: Vec<(i32, &'static str)> = if kind == SkillKind::Learn {
        vec![(1, "1 · nice to have"), (2, "2 · important"), (3, "3 · top priority")]
    } else {
        vec![(1, "1 · beginner"), (2, "2 · can help"), (3, "3 · solid"), (4, "4 · strong"), (5, "5 · expert")]
    };
    let scale = StoredValue::new(scale);
    let what = if kind == SkillKind::Learn { "Priority" } else { "Level" };
    view! {
        <fieldset class="skills" data-kind=kind.as_str()>
            <legend>{title}</legend>
            <p class="error">{list_err}</p>
            <ul class="rows">
                <For each=move || rows.get() key=|r| r.key let:row>
                    {
                        let index = move || rows.with(|v| v.iter().position(|r| r.key == row.key).unwrap_or(0));
                        let skill_err = move || errors.with(|e| e.get(&format!("{}.{}.skill", kind.field(), index())));
                        let level_err = move || errors.with(|e| e.get(&format!("{}.{}.level", kind.field(), index())));
                        let skill_id = format!("{}-{}-skill", kind.as_str(), row.key);
                        let level_id = format!("{}-{}-level", kind.as_str(), row.key);
                        view! {
                            <li class="row" class:invalid=move || skill_err().is_some() || level_err().is_some()>
                                <label class="sr-only" for=skill_id.clone()>"Skill"</label>
                                <input id=skill_id type="text" list="skill-vocabulary" placeholder="Skill"
                                    value=move || row.skill.get() prop:value=move || row.skill.get()
                                    on:input=move |ev| row.skill.set(event_target_value(&ev)) />
                                <label class="sr-only" for=level_id.clone()>{what}</label>
                                <select id=level_id on:change=move |ev| row.level.set(event_target_value(&ev).parse().unwrap_or(0))>
                                    {scale.get_value().into_iter().map(|(v, label)| view! {
                                        <option value=v.to_string() selected=move || row.level.get() == v>{label}</option>
                                    }).collect_view()}
                                </select>
                                <button type="button" class="small remove" aria-label="Remove this skill"
                                    on:click=move |_| rows.update(|v| v.retain(|r| r.key != row.key))>"Remove"</button>
                                <p class="error">{skill_err} {level_err}</p>
                            </li>
                        }
                    }
                </For>
            </ul>
            <button type="button" class="small add" on:click=move |_| rows.update(|v| v.push(SkillRow {
                key: keys.next(),
                skill: RwSignal::new(String::new()),
                level: RwSignal::new(if kind == SkillKind::Learn { 2 } else { 3 }),
            }))>"Add"</button>
        </fieldset>
    }
}

#[component]
fn SlotEditor(row: SlotRow, slots: RwSignal<Vec<SlotRow>>, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let index = move || slots.with(|v| v.iter().position(|r| r.key == row.key).unwrap_or(0));
    let err = move || {
        let i = index();
        errors.with(|e| {
            e.get(&format!("availability.{i}.weekday"))
                .or_else(|| e.get(&format!("availability.{i}.start")))
                .or_else(|| e.get(&format!("availability.{i}.end")))
        })
    };
    let day_id = format!("slot-{}-day", row.key);
    let start_id = format!("slot-{}-start", row.key);
    let end_id = format!("slot-{}-end", row.key);
    view! {
        <li class="row" class:invalid=move || err().is_some()>
            <label class="sr-only" for=day_id.clone()>"Day"</label>
            <select id=day_id on:change=move |ev| row.weekday.set(event_target_value(&ev).parse().unwrap_or(-1))>
                {WEEKDAYS.iter().enumerate().map(|(i, d)| {
                    let i = i as i32;
                    view! { <option value=i.to_string() selected=move || row.weekday.get() == i>{*d}</option> }
                }).collect_view()}
            </select>
            <label for=start_id.clone()>"from"</label>
            <input id=start_id type="time" value=move || row.start.get() prop:value=move || row.start.get() on:input=move |ev| row.start.set(event_target_value(&ev)) />
            <label for=end_id.clone()>"to"</label>
            <input id=end_id type="time" value=move || row.end.get() prop:value=move || row.end.get() on:input=move |ev| row.end.set(event_target_value(&ev)) />
            <button type="button" class="small remove" aria-label="Remove this time slot" on:click=move |_| slots.update(|v| v.retain(|r| r.key != row.key))>"Remove"</button>
            <p class="error">{err}</p>
        </li>
    }
}
