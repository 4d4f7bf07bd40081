//! The text and HTML of each kind of mail. Every value from a person (a name) is escaped in the
//! HTML version; links are built by the caller from the site's address.

use super::outbox::{MailKind, Outgoing};
use crate::notifications::NoticeKind;

/// `text` safe inside HTML text and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The HTML version: a short document with the paragraphs `before` (already escaped), a
/// button-like link, and the paragraphs `after`.
fn html(title: &str, before: &[String], link: &str, action: &str, after: &[String]) -> String {
    let paragraphs = |list: &[String]| list.iter().map(|p| format!("<p>{p}</p>\n")).collect::<String>();
    let (body, after) = (paragraphs(before), paragraphs(after));
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body style=\"font-family: system-ui, sans-serif; line-height: 1.5; max-width: 36em\">\n{body}\
         <p><a href=\"{link}\" style=\"display: inline-block; padding: .5em 1em; background: #1f4e8c; color: #fff; text-decoration: none; border-radius: 4px\">{action}</a></p>\n\
         {after}<p style=\"color: #555; font-size: .9em\">Or copy this address into your browser: {link}</p>\n</body></html>\n",
        title = escape(title),
        link = escape(link),
        action = escape(action),
    )
}

/// The password reset mail to `name` at `address`, with the one-time `link` (valid an hour).
pub fn password_reset(user_id: i64, name: &str, address: &str, link: &str) -> Outgoing {
    let subject = "Reset your Upmentor password";
    let text = format!(
        "Hello {name},\n\n\
         Someone, we hope you, asked to reset the password of your Upmentor account. Choose a new password here within the hour:\n\n\
         {link}\n\n\
         The link works once, and signs you out everywhere else. If you did not ask, ignore this mail: your password stays as it is.\n"
    );
    let html = html(
        subject,
        &[
            format!("Hello {},", escape(name)),
            "Someone, we hope you, asked to reset the password of your Upmentor account. Choose a new password within the hour:".into(),
        ],
        link,
        "Choose a new password",
        &["The link works once, and signs you out everywhere else. If you did not ask, ignore this mail: your password stays as it is.".into()],
    );
    Outgoing {
        kind: MailKind::PasswordReset,
        user_id: Some(user_id),
        to_address: address.into(),
        to_name: name.into(),
        subject: subject.into(),
        text,
        html,
        attachment: None,
        expires_at: Some(crate::server::db::now() + crate::accounts::db::RESET_LIFETIME_SECS),
    }
}

/// The invitation to `name` at `address` from `inviter`, with the one-time `link` to set a
/// password, valid until `expires_at` (Unix seconds; the mail is not sent after it).
pub fn invitation(user_id: i64, name: &str, address: &str, inviter: &str, link: &str, expires_at: i64) -> Outgoing {
    let subject = "You are invited to Upmentor";
    let until = chrono::DateTime::from_timestamp(expires_at, 0).map(|d| d.format("%-d %B %Y").to_string()).unwrap_or_default();
    let text = format!(
        "Hello {name},\n\n\
         {inviter} invited you to Upmentor, where your company's mentoring programmes run: reverse mentoring, classic and peer mentoring, lunch & learn.\n\n\
         Set your password here (the link works once, until {until}):\n\n{link}\n"
    );
    let html = html(
        subject,
        &[
            format!("Hello {},", escape(name)),
            format!(
                "{} invited you to Upmentor, where your company's mentoring programmes run: reverse mentoring, classic and peer mentoring, lunch &amp; learn.",
                escape(inviter)
            ),
            format!("Set your password (the link works once, until {}):", escape(&until)),
        ],
        link,
        "Set your password",
        &[],
    );
    Outgoing {
        kind: MailKind::Invitation,
        user_id: Some(user_id),
        to_address: address.into(),
        to_name: name.into(),
        subject: subject.into(),
        text,
        html,
        attachment: None,
        expires_at: Some(expires_at),
    }
}

/// The chat digest to `name`: per pair, who wrote and how many messages wait (`unread`), with
/// links on `base` to each conversation and the `unsubscribe` link.
pub fn chat_digest(user_id: i64, name: &str, address: &str, unread: &[(i64, String, u32)], base: &str, unsubscribe: &str) -> Outgoing {
    let total: u32 = unread.iter().map(|u| u.2).sum();
    let subject = if total == 1 { "1 unread message in Upmentor".to_string() } else { format!("{total} unread messages in Upmentor") };
    let line = |(pair, partner, n): &(i64, String, u32)| {
        (format!("{partner}: {n} new message{}", if *n == 1 { "" } else { "s" }), format!("{base}/pairs/{pair}"))
    };
    let lines: Vec<(String, String)> = unread.iter().map(line).collect();
    let text = format!(
        "Hello {name},\n\nMessages are waiting for you in Upmentor:\n\n{}\n--\nNo more of these summaries: {unsubscribe}\n",
        lines.iter().map(|(t, l)| format!("- {t}\n  {l}\n")).collect::<String>()
    );
    let items: String = lines.iter().map(|(t, l)| format!("<li><a href=\"{}\">{}</a></li>", escape(l), escape(t))).collect();
    let html = html(
        &subject,
        &[format!("Hello {},", escape(name)), format!("Messages are waiting for you in Upmentor:</p>\n<ul>{items}</ul>\n<p>Open the conversation to answer.")],
        &lines.first().map(|l| l.1.clone()).unwrap_or_else(|| base.to_string()),
        "Open Upmentor",
        &[format!("<small><a href=\"{}\">No more of these summaries</a>.</small>", escape(unsubscribe))],
    );
    Outgoing {
        kind: MailKind::Notice(NoticeKind::Chat),
        user_id: Some(user_id),
        to_address: address.into(),
        to_name: name.into(),
        subject,
        text,
        html,
        attachment: None,
        expires_at: None,
    }
}

/// An inbox notice by mail: its title as the subject, its sentence, a link to act on it (`url`)
/// and one to change which mail the person gets (`settings`).
#[allow(clippy::too_many_arguments)]
pub fn notice(kind: NoticeKind, user_id: i64, name: &str, address: &str, title: &str, body: &str, url: &str, settings: &str) -> Outgoing {
    let why = format!("You get this mail for \"{}\". Choose which mail you get on your profile: {settings}", kind.label());
    let text = format!("Hello {name},\n\n{title}\n\n{body}\n\nOpen it in Upmentor: {url}\n\n--\n{why}\n");
    let html = html(
        title,
        &[format!("Hello {},", escape(name)), format!("<strong>{}</strong>", escape(title)), escape(body)],
        url,
        "Open in Upmentor",
        &[format!(
            "<small>You get this mail for &ldquo;{}&rdquo;. <a href=\"{}\">Choose which mail you get</a>.</small>",
            escape(kind.label()),
            escape(settings)
        )],
    );
    Outgoing {
        kind: MailKind::Notice(kind),
        user_id: Some(user_id),
        to_address: address.into(),
        to_name: name.into(),
        subject: title.into(),
        text,
        html,
        attachment: None,
        expires_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_in_html_and_kept_in_text() {
        let m = password_reset(7, "Zoë <script>\"O'Neil\" & co", "zoe@example.com", "https://m.example.com/reset/abc?x=1&y=2");
        assert!(m.text.contains("Hello Zoë <script>\"O'Neil\" & co,"));
        assert!(m.html.contains("Hello Zoë &lt;script&gt;&quot;O&#39;Neil&quot; &amp; co,"), "{}", m.html);
        assert!(!m.html.contains("<script>"));
        assert!(m.html.contains("href=\"https://m.example.com/reset/abc?x=1&amp;y=2\""));
        assert!(m.text.contains("https://m.example.com/reset/abc?x=1&y=2\n"));
    }
}
