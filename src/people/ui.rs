//! The admin's people sync: upload a file (or paste it), see what it would change, map columns
//! and grades, apply it.

use super::api::{apply_import, person_by_email, preview_import, set_person_active, upload_people_file};
use super::{ColumnSource, ImportApplied, ImportChoices, ImportPreview, PersonField, PreviewRow, RowFilter, RowKind, IMPORT_PAGE_SIZE};
use crate::error::{AppError, FieldErrors};
use crate::ui::{ErrorNotice, FormStatus};
use leptos::prelude::*;

/// The filter buttons, with the count each shows.
const FILTERS: [(RowFilter, &str); 8] = [
    (RowFilter::Changes, "Changes"),
    (RowFilter::New, "New"),
    (RowFilter::Updated, "Updated"),
    (RowFilter::Leaving, "Leaving"),
    (RowFilter::Warnings, "Warnings"),
    (RowFilter::Errors, "Errors"),
    (RowFilter::Unchanged, "Unchanged"),
    (RowFilter::All, "All"),
];

/// Upload, preview and apply a people file from the HR system.
#[component]
pub fn PeopleSync(on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let file = RwSignal::new(None::<(String, String)>);
    let pasted = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let import_id = RwSignal::new(None::<i64>);
    let choices = RwSignal::new(ImportChoices::default());
    let filter = RwSignal::new(RowFilter::Changes);
    let page = RwSignal::new(0u32);
    let applied = RwSignal::new(None::<ImportApplied>);
    let status = RwSignal::new(None::<(bool, String)>);

    let upload = Action::new(move |(name, data): &(String, String)| upload_people_file(name.clone(), data.clone()));
    Effect::new(move |_| match upload.value().get() {
        Some(Ok(id)) => {
            errors.set(FieldErrors::new());
            applied.set(None);
            page.set(0);
            import_id.set(Some(id));
        }
        Some(Err(e)) => {
            errors.set(e.field_errors());
            status.set(Some((false, e.field_errors().get("file").unwrap_or_else(|| e.to_string()))));
        }
        None => {}
    });
    let preview = Resource::new(
        move || (import_id.get(), choices.get(), filter.get(), page.get()),
        |(id, choices, filter, page)| async move {
            match id {
                Some(id) => Some(preview_import(id, choices, filter, page).await),
                None => None,
            }
        },
    );
    let apply = Action::new(move |(id, choices, fingerprint): &(i64, ImportChoices, String)| apply_import(*id, choices.clone(), fingerprint.clone()));
    Effect::new(move |_| match apply.value().get() {
        Some(Ok(done)) => {
            status.set(Some((true, format!("Applied: {} created, {} updated, {} deactivated.", done.created, done.updated, done.deactivated))));
            applied.set(Some(done));
            import_id.set(None);
            on_done();
        }
        Some(Err(e)) => status.set(Some((false, e.to_string()))),
        None => {}
    });

    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        status.set(None);
        let chosen = file.get_untracked().or_else(|| {
            use base64::Engine;
            let text = pasted.get_untracked();
            (!text.trim().is_empty()).then(|| ("pasted.csv".to_string(), base64::engine::general_purpose::STANDARD.encode(text.as_bytes())))
        });
        match chosen {
            Some(f) => {
                upload.dispatch(f);
            }
            None => {
                let mut e = FieldErrors::new();
                e.add("file", "Choose a file or paste its contents.");
                errors.set(e);
            }
        }
    };
    let busy = move || upload.pending().get() || apply.pending().get();

    view! {
        <section class="panel" aria-labelledby="sync-h">
            <h2 id="sync-h">"Keep people in step with HR"</h2>
            <p class="hint">"Upload the export of your HR system (CSV in any encoding, separated by commas, semicolons, tabs or bars). You see every change before anything is written; a column the file does not have, or a blank cell, changes nothing."</p>
            <p><a href="/admin/people-file" download="people.csv" rel="external">"Download everyone as a people file"</a>" (the same columns; edit it and upload it again)."</p>
            <form on:submit=send novalidate>
                <div class="field" class:invalid=move || errors.with(|e| e.get("file").is_some())>
                    <label for="f-people-file">"People file"</label>
                    <input id="f-people-file" type="file" accept=".csv,.txt,.tsv,text/csv,text/plain" on:change=move |ev| crate::ui::read_file_base64(ev, file) aria-describedby="f-people-file-err" />
                    <p class="error" id="f-people-file-err">{move || errors.with(|e| e.get("file"))}</p>
                </div>
                <div class="field">
                    <label for="f-people-paste">"…or paste it"</label>
                    <textarea id="f-people-paste" rows="4" prop:value=move || pasted.get() on:input=move |ev| { file.set(None); pasted.set(event_target_value(&ev)); }></textarea>
                </div>
                <FormStatus message=status />
                <button type="submit" class="primary" disabled=busy>"Preview changes"</button>
                <span class="progress" role="status" aria-live="polite">{move || if upload.pending().get() { "Reading the file…" } else if apply.pending().get() { "Applying…" } else { "" }}</span>
            </form>
            <Transition fallback=|| view! { <p role="status">"Working out the changes…"</p> }>
                {move || Suspend::new(async move {
                    match preview.await {
                        None => ().into_any(),
                        Some(Err(e)) => {
                            let why = e.field_errors().get("file");
                            match why {
                                Some(why) => view! {
                                    <p class="bad" role="alert">{why}</p>
                                    {move || (!choices.with(|c| c.columns.is_empty())).then(|| view! {
                                        <button type="button" class="small" on:click=move |_| choices.update(|c| c.columns.clear())>
                                            "Undo my column choices"
                                        </button>
                                    })}
                                }.into_any(),
                                None => view! { <ErrorNotice error=e /> }.into_any(),
                            }
                        }
                        Some(Ok(p)) => view! { <Preview preview=p choices filter page apply /> }.into_any(),
                    }
                })}
            </Transition>
            {move || applied.get().map(|done| view! {
                <ul class="links">{done.invites.into_iter().map(|link| view! { <crate::accounts::ui::InviteLinkRow link /> }).collect_view()}</ul>
            })}
        </section>
    }
}

#[component]
fn Preview(
    preview: ImportPreview,
    choices: RwSignal<ImportChoices>,
    filter: RwSignal<RowFilter>,
    page: RwSignal<u32>,
    apply: Action<(i64, ImportChoices, String), Result<ImportApplied, AppError>>,
) -> impl IntoView {
    let ImportPreview { import_id, file_name, encoding, separator, notices, columns, grades, counts, matching, rows, fingerprint, .. } = preview;
    let count_of = move |f: RowFilter| match f {
        RowFilter::Changes => counts.new + counts.updated + counts.leaving + counts.errors,
        RowFilter::New => counts.new,
        RowFilter::Updated => counts.updated,
        RowFilter::Leaving => counts.leaving,
        RowFilter::Warnings => counts.warnings,
        RowFilter::Errors => counts.errors,
        RowFilter::Unchanged => counts.unchanged,
        RowFilter::All => counts.new + counts.updated + counts.leaving + counts.errors + counts.unchanged,
    };
    let pages = matching.div_ceil(IMPORT_PAGE_SIZE).max(1);
    let writes = counts.new + counts.updated + counts.leaving;
    let some_unused = columns.iter().any(|c| c.field.is_none());
    view! {
        <div class="import-preview">
            <h3>"Preview of " {file_name}</h3>
            <p class="hint">{format!("Read as {encoding}, separated by {separator}.")}</p>
            {notices.into_iter().map(|n| view! { <p class="notice" role="note">{n}</p> }).collect_view()}
            <p class="counts">
                {format!("{} new, {} updated, {} unchanged, {} leaving, {} with errors (left out), {} with warnings.", counts.new, counts.updated, counts.unchanged, counts.leaving, counts.errors, counts.warnings)}
                {(counts.missing > 0).then(|| format!(" {} active people are not in this file.", counts.missing))}
            </p>
            <details open=some_unused>
                <summary>"Columns"</summary>
                <table class="report">
                    <thead><tr><th scope="col">"Column in the file"</th><th scope="col">"Imported as"</th></tr></thead>
                    <tbody>
                        {columns.into_iter().map(|c| {
                            let header = c.header.clone();
                            let current = c.field.map(PersonField::key).unwrap_or_default();
                            let id = format!("f-col-{}", c.index);
                            view! {
                                <tr class:unused=c.field.is_none()>
                                    <td><label for=id.clone()>{c.header.clone()}</label></td>
                                    <td>
                                        <select id=id on:change=move |ev| {
                                            let value = event_target_value(&ev);
                                            let field = PersonField::from_key(&value);
                                            choices.update(|ch| { ch.columns.insert(header.clone(), field); });
                                        }>
                                            <option value="" selected=current.is_empty()>"Not imported"</option>
                                            {PersonField::ALL.into_iter().map(|f| {
                                                let key = f.key();
                                                view! { <option value=key.clone() selected=key == current>{f.label()}</option> }
                                            }).collect_view()}
                                        </select>
                                        {(c.source == ColumnSource::Remembered).then(|| view! { <span class="badge">"as chosen before"</span> })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
            {(!grades.is_empty()).then(|| view! {
                <fieldset class="grades">
                    <legend>"Grades"</legend>
                    <p class="hint">"The file names grades, not levels. Choose the level (1 most junior, 10 most senior) each grade means; the choice is remembered."</p>
                    {grades.into_iter().map(|g| {
                        let grade = g.grade.clone();
                        let id = format!("f-grade-{}", crate::people::sync_key(&g.grade));
                        let current = g.level;
                        view! {
                            <div class="field">
                                <label for=id.clone()>{format!("{} ({} row{})", g.grade, g.rows, if g.rows == 1 { "" } else { "s" })}</label>
                                <select id=id on:change=move |ev| {
                                    let level: i32 = event_target_value(&ev).parse().unwrap_or(0);
                                    choices.update(|ch| { if level > 0 { ch.grades.insert(grade.clone(), level); } else { ch.grades.remove(&grade); } });
                                }>
                                    <option value="0" selected=current.is_none()>"Choose a level"</option>
                                    {(1..=10).map(|l| view! { <option value=l.to_string() selected=current == Some(l)>{crate::profiles::level_label(l)}</option> }).collect_view()}
                                </select>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
            })}
            <fieldset class="inline-choices">
                <legend>"Options"</legend>
                <label><input type="checkbox" prop:checked=move || choices.with(|c| c.clear_blank_cells) on:change=move |ev| choices.update(|c| c.clear_blank_cells = event_target_checked(&ev)) />" Blank cells clear what is stored"</label>
                <label><input type="checkbox" prop:checked=move || choices.with(|c| c.deactivate_missing) on:change=move |ev| choices.update(|c| c.deactivate_missing = event_target_checked(&ev)) />" Deactivate active people missing from this file"</label>
            </fieldset>
            <div class="filters" role="group" aria-label="Show rows">
                {FILTERS.into_iter().map(|(f, label)| view! {
                    <button type="button" class="small" aria-pressed=move || (filter.get() == f).to_string() on:click=move |_| { page.set(0); filter.set(f); }>
                        {format!("{label} ({})", count_of(f))}
                    </button>
                }).collect_view()}
            </div>
            <table class="report import-rows">
                <caption>{format!("{matching} rows; page {} of {pages}", page.get_untracked() + 1)}</caption>
                <thead><tr><th scope="col">"Line"</th><th scope="col">"Person"</th><th scope="col">"What happens"</th><th scope="col">"Changes"</th><th scope="col">"Notes"</th></tr></thead>
                <tbody>{rows.into_iter().map(|r| view! { <RowView row=r /> }).collect_view()}</tbody>
            </table>
            <div class="pager">
                <button type="button" class="small" disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"Previous"</button>
                <button type="button" class="small" on:click=move |_| page.update(|p| *p += 1) disabled=move || { page.get() + 1 >= pages }>"Next"</button>
            </div>
            <button type="button" class="primary" disabled=move || writes == 0 || apply.pending().get()
                on:click=move |_| { apply.dispatch((import_id, choices.get_untracked(), fingerprint.clone())); }>
                {format!("Apply {writes} change{}", if writes == 1 { "" } else { "s" })}
            </button>
        </div>
    }
}

#[component]
fn RowView(row: PreviewRow) -> impl IntoView {
    let place = match (row.line, row.sheet_row) {
        (0, _) => "not in file".to_string(),
        (line, Some(sheet)) => format!("{line} (row {sheet})"),
        (line, None) => line.to_string(),
    };
    let kind_class = match row.kind {
        RowKind::Error => "bad",
        RowKind::Leaving => "warn",
        _ => "",
    };
    view! {
        <tr>
            <td>{place}</td>
            <td>{row.name} <br /> <span class="meta">{row.email}</span></td>
            <td class=kind_class>{row.kind.label()}</td>
            <td>
                <ul class="changes">
                    {row.changes.into_iter().map(|c| view! {
                        <li>{c.field.label()} ": " {if c.old.is_empty() { "—".to_string() } else { c.old }} " → " {if c.new.is_empty() { "—".to_string() } else { c.new }}</li>
                    }).collect_view()}
                </ul>
            </td>
            <td>
                <ul class="notes">
                    {row.errors.into_iter().map(|n| view! { <li class="bad">{n.message}</li> }).collect_view()}
                    {row.warnings.into_iter().map(|n| view! { <li class="warn">{n.message}</li> }).collect_view()}
                </ul>
            </td>
        </tr>
    }
}

/// For admins on a person's page: whether they can sign in, and the button that deactivates
/// (someone who left) or reactivates them.
#[component]
pub fn AccountPanel(email: String) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let record = Resource::new(move || (email.clone(), refresh.get()), |(email, _)| person_by_email(email));
    let change = Action::new(move |(id, active): &(i64, bool)| set_person_active(*id, *active));
    let status = RwSignal::new(None::<(bool, String)>);
    Effect::new(move |_| match change.value().get() {
        Some(Ok(())) => {
            status.set(Some((true, "Done.".into())));
            refresh.update(|v| *v += 1);
        }
        Some(Err(e)) => status.set(Some((false, e.field_errors().get("active").unwrap_or_else(|| e.to_string())))),
        None => {}
    });
    view! {
        <section class="panel" aria-labelledby="account-h">
            <h2 id="account-h">"Account"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move { match record.await {
                    Ok(r) => {
                        let (id, active) = (r.id, r.active);
                        view! {
                            <p>{if active { "Active: can sign in and take part." } else { "Deactivated: cannot sign in, not in the directory or any pool; their history stays." }}</p>
                            <button type="button" disabled=move || change.pending().get() on:click=move |_| { change.dispatch((id, !active)); }>
                                {if active { "Deactivate (has left)" } else { "Reactivate" }}
                            </button>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }})}
            </Transition>
            <FormStatus message=status />
        </section>
    }
}
