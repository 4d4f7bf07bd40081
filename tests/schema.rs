//! One schema, two dialects: the SQLite and PostgreSQL migrations, applied to fresh databases,
//! must give the same tables, columns (type, nullability, default), keys, indexes (columns,
//! uniqueness, partial condition) and checks. Drift between the two folders fails here.
// The shared load module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;

use common::PgCluster;
use sqlx::Row;
use std::collections::BTreeMap;
use upmentor::server::db::Db;

/// A column as both dialects can say it: name, type family, nullable, default (normalised).
type Column = (String, &'static str, bool, Option<String>);

#[derive(Debug, Default, PartialEq)]
struct Table {
    columns: Vec<Column>,
    /// Primary key columns.
    key: Vec<String>,
    /// (column, referenced table, referenced column, on delete).
    foreign: Vec<(String, String, String, String)>,
    /// (name, columns, unique, condition of a partial index).
    indexes: Vec<(String, Vec<String>, bool, Option<String>)>,
    /// CHECK constraints, by their normalised condition.
    checks: Vec<String>,
}

fn family(sql_type: &str) -> &'static str {
    let t = sql_type.to_ascii_lowercase();
    if t.contains("int") {
        "integer"
    } else if t.contains("char") || t.contains("text") || t == "character varying" {
        "text"
    } else if t.contains("real") || t.contains("double") || t.contains("float") || t.contains("numeric") {
        "real"
    } else if t.contains("blob") || t.contains("bytea") {
        "bytes"
    } else {
        "other"
    }
}

/// Removes what the dialects write differently about the same thing: case, quotes, casts,
/// brackets and white space.
fn normalise(sql: &str) -> String {
    let mut s = sql.to_ascii_lowercase();
    for cast in ["::text[]", "::text", "::bigint", "::integer", "::character varying"] {
        s = s.replace(cast, "");
    }
    s = s.replace("= any (array[", "in (").replace("])", ")");
    let s: String = s.chars().filter(|c| !c.is_whitespace() && *c != '(' && *c != ')' && *c != '"' && *c != '\'').collect();
    between_as_comparisons(&s)
}

/// PostgreSQL keeps `x BETWEEN a AND b` as `x >= a AND x <= b`: say it that way for both.
fn between_as_comparisons(s: &str) -> String {
    let Some(at) = s.find("between") else { return s.to_string() };
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let start = s[..at].rfind(|c: char| !word(c)).map_or(0, |i| i + 1);
    let column = &s[start..at];
    let rest = &s[at + "between".len()..];
    let Some(and) = rest.find("and") else { return s.to_string() };
    let low = &rest[..and];
    let after = &rest[and + 3..];
    let end = after.find(|c: char| !word(c)).unwrap_or(after.len());
    let high = &after[..end];
    format!("{}{column}>={low}and{column}<={high}{}", &s[..start], between_as_comparisons(&after[end..]))
}

fn default_value(raw: Option<String>) -> Option<String> {
    raw.map(|d| normalise(&d)).filter(|d| !d.starts_with("nextval") && !d.is_empty())
}

async fn sqlite_schema(db: &Db) -> BTreeMap<String, Table> {
    let pool = &db.pool;
    let mut out = BTreeMap::new();
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (name, create) in tables {
        let mut t = Table::default();
        for row in sqlx::query(&format!("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{name}') ORDER BY cid"))
            .fetch_all(pool)
            .await
            .unwrap()
        {
            let column: String = row.get(0);
            let sql_type: String = row.get(1);
            let not_null: i64 = row.get(2);
            let default: Option<String> = row.get(3);
            let pk: i64 = row.get(4);
            if pk > 0 {
                t.key.push(column.clone());
            }
            // A primary key never holds NULL, whatever SQLite's table_info says of it.
            t.columns.push((column, family(&sql_type), not_null == 0 && pk == 0, default_value(default)));
        }
        for row in sqlx::query(&format!("SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list('{name}')"))
            .fetch_all(pool)
            .await
            .unwrap()
        {
            let on_delete: String = row.get(3);
            t.foreign.push((row.get(0), row.get(1), row.get(2), on_delete.to_ascii_lowercase()));
        }
        t.foreign.sort();
        let indexes: Vec<(String, i64, String)> =
            sqlx::query_as(&format!("SELECT name, \"unique\", origin FROM pragma_index_list('{name}')")).fetch_all(pool).await.unwrap();
        for (index, unique, origin) in indexes {
            if origin == "pk" {
                continue;
            }
            let columns: Vec<(String,)> = sqlx::query_as(&format!("SELECT name FROM pragma_index_info('{index}') ORDER BY seqno"))
                .fetch_all(pool)
                .await
                .unwrap();
            let sql: Option<(Option<String>,)> = sqlx::query_as("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1")
                .bind(&index)
                .fetch_optional(pool)
                .await
                .unwrap();
            let condition = sql.and_then(|s| s.0).and_then(|s| {
                let lower = s.to_ascii_lowercase();
                lower.find(" where ").map(|i| normalise(&lower[i + 7..]))
            });
            // Inline UNIQUE constraints get generated names in both dialects: name them by table
            // and columns instead.
            let named = if origin == "u" { format!("{name}_{}_key", columns.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join("_")) } else { index };
            t.indexes.push((named, columns.into_iter().map(|c| c.0).collect(), unique == 1, condition));
        }
        t.indexes.sort();
        let lower = create.to_ascii_lowercase();
        let mut rest = lower.as_str();
        while let Some(i) = rest.find("check (") {
            let after = &rest[i + 6..];
            let mut depth = 0;
            let mut end = after.len();
            for (j, c) in after.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = j + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            t.checks.push(normalise(&after[..end]));
            rest = &after[end..];
        }
        t.checks.sort();
        out.insert(name, t);
    }
    out
}

async fn postgres_schema(db: &Db) -> BTreeMap<String, Table> {
    let pool = &db.pool;
    let mut out = BTreeMap::new();
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
         AND table_name <> '_sqlx_migrations' ORDER BY table_name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (name,) in tables {
        let mut t = Table::default();
        let columns: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text, is_nullable::text, column_default::text FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .unwrap();
        for (column, sql_type, nullable, default) in columns {
            t.columns.push((column, family(&sql_type), nullable == "YES", default_value(default)));
        }
        let key: Vec<(String,)> = sqlx::query_as(
            "SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
             WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY a.attnum",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .unwrap();
        t.key = key.into_iter().map(|k| k.0).collect();
        let foreign: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT a.attname::text, cl.relname::text, af.attname::text,
                    CASE c.confdeltype WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' WHEN 'r' THEN 'restrict' WHEN 'd' THEN 'set default' ELSE 'no action' END
             FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             JOIN pg_class cl ON cl.oid = c.confrelid
             JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
             WHERE c.contype = 'f' AND c.conrelid = $1::regclass",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .unwrap();
        t.foreign = foreign;
        t.foreign.sort();
        let indexes: Vec<(String, bool, bool, Option<String>, String)> = sqlx::query_as(
            "SELECT ic.relname::text, i.indisunique, EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype = 'u'),
                    pg_get_expr(i.indpred, i.indrelid), array_to_string(ARRAY(
                        SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o), ',')
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
             WHERE i.indrelid = $1::regclass AND NOT i.indisprimary",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .unwrap();
        for (index, unique, constraint, condition, columns) in indexes {
            let columns: Vec<String> = columns.split(',').map(String::from).collect();
            let named = if constraint { format!("{name}_{}_key", columns.join("_")) } else { index };
            t.indexes.push((named, columns, unique, condition.map(|c| normalise(&c))));
        }
        t.indexes.sort();
        let checks: Vec<(String,)> = sqlx::query_as("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c' AND conrelid = $1::regclass")
            .bind(&name)
            .fetch_all(pool)
            .await
            .unwrap();
        t.checks = checks.into_iter().map(|c| normalise(c.0.trim_start_matches("CHECK "))).collect();
        t.checks.sort();
        out.insert(name, t);
    }
    out
}

#[tokio::test]
async fn sqlite_and_postgres_migrations_make_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Db::connect(&format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display())).await.unwrap();
    sqlite.migrate().await.unwrap();
    let lite = sqlite_schema(&sqlite).await;
    let Some(pg) = PgCluster::start() else { return };
    let postgres = Db::connect(&pg.url()).await.unwrap();
    postgres.migrate().await.unwrap();
    let big = postgres_schema(&postgres).await;

    assert!(lite.len() >= 20, "the schema was read: {:?}", lite.keys().collect::<Vec<_>>());
    assert_eq!(lite.keys().collect::<Vec<_>>(), big.keys().collect::<Vec<_>>(), "the same tables");
    let mut differences = Vec::new();
    for (name, a) in &lite {
        let b = &big[name];
        for (what, same) in [
            ("columns", a.columns == b.columns),
            ("primary key", a.key == b.key),
            ("foreign keys", a.foreign == b.foreign),
            ("indexes", a.indexes == b.indexes),
            ("checks", a.checks == b.checks),
        ] {
            if !same {
                differences.push(format!("{name}: {what} differ\n  SQLite:     {a:?}\n  PostgreSQL: {b:?}"));
            }
        }
    }
    assert!(differences.is_empty(), "the dialects drifted apart:\n{}", differences.join("\n"));
    // The check itself can see what it compares: indexes, partial conditions, checks, defaults.
    let pairs = &lite["pairs"];
    assert!(pairs.indexes.iter().any(|i| i.2 && i.3.as_deref() == Some("status=active")), "{:?}", pairs.indexes);
    assert!(!pairs.checks.is_empty() && !pairs.foreign.is_empty());
}

/// The texts a `CHECK (column IN ('a', 'b'))` allows for `table.column`, from SQLite's own copy
/// of the table's definition (the drift test above holds PostgreSQL to the same).
async fn allowed_texts(db: &Db, table: &str, column: &str) -> Vec<String> {
    let sql: String = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1")
        .bind(table)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let marker = format!("CHECK ({column} IN (");
    let start = sql.find(&marker).unwrap_or_else(|| panic!("{table}.{column} has no CHECK list:\n{sql}")) + marker.len();
    let end = start + sql[start..].find(')').unwrap();
    let mut texts: Vec<String> = sql[start..end].split(',').map(|t| t.trim().trim_matches('\'').to_string()).collect();
    texts.sort();
    texts
}

#[tokio::test]
async fn every_state_is_allowed_by_the_schema() {
    use upmentor::{accounts::Role, pairs::*, profiles::*, programmes::*};
    fn sorted(texts: impl IntoIterator<Item = &'static str>) -> Vec<String> {
        let mut v: Vec<String> = texts.into_iter().map(String::from).collect();
        v.sort();
        v
    }
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display())).await.unwrap();
    db.migrate().await.unwrap();
    let expected: Vec<(&str, &str, Vec<String>)> = vec![
        ("users", "role", sorted(Role::ALL.map(Role::as_str))),
        ("users", "format", sorted(MeetingFormat::ALL.map(MeetingFormat::as_str))),
        ("user_skills", "kind", sorted(SkillKind::ALL.map(SkillKind::as_str))),
        ("programmes", "kind", sorted(ProgrammeKind::ALL.map(ProgrammeKind::as_str))),
        ("enrolments", "role", sorted(EnrolRole::ALL.map(EnrolRole::as_str))),
        ("enrolments", "status", sorted(EnrolStatus::ALL.map(EnrolStatus::as_str))),
        ("pairs", "status", sorted(PairStatus::ALL.map(PairStatus::as_str))),
        ("match_requests", "status", sorted(RequestStatus::ALL.map(RequestStatus::as_str))),
        ("goals", "side", sorted(GoalSide::ALL.map(GoalSide::as_str))),
        ("goals", "status", sorted(GoalStatus::ALL.map(GoalStatus::as_str))),
        ("checkins", "status", sorted(CheckinStatus::ALL.map(CheckinStatus::as_str))),
        ("checkin_feedback", "fit", sorted(Fit::ALL.map(Fit::as_str))),
        ("mail_preferences", "kind", sorted(upmentor::notifications::NoticeKind::ALL.map(upmentor::notifications::NoticeKind::as_str))),
        ("guides", "audience", sorted(upmentor::training::Audience::ALL.map(upmentor::training::Audience::as_str))),
        ("group_sessions", "status", sorted(upmentor::sessions::SessionStatus::ALL.map(upmentor::sessions::SessionStatus::as_str))),
        ("group_sessions", "format", sorted(upmentor::sessions::SessionFormat::ALL.map(upmentor::sessions::SessionFormat::as_str))),
        ("session_seats", "status", sorted(upmentor::sessions::Seat::ALL.map(upmentor::sessions::Seat::as_str))),
    ];
    for (table, column, states) in expected {
        assert_eq!(allowed_texts(&db, table, column).await, states, "{table}.{column}: the database and the code name the same states");
    }
}
