//! Notifications: what people are told in their inbox (matched, asked to mentor, a check-in
//! booked, a roadblock raised) and the unread counts the navigation shows.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod ui;

use serde::{Deserialize, Serialize};

/// One notice in a person's inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub title: String,
    pub body: String,
    /// Where to act on it (a path in the app), or empty.
    pub link: String,
    /// Unix seconds.
    pub created_at: i64,
    pub read: bool,
}

/// A person's newest notifications and how many of all of theirs are unread.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inbox {
    pub unread: u32,
    pub items: Vec<Notification>,
}

/// Unread counts in the navigation: inbox notifications and chat messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadCounts {
    /// Unread notifications in the inbox.
    pub inbox: u32,
    /// Unread chat messages across the person's pairs.
    pub messages: u32,
}
