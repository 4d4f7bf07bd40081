//! Real-time chat between the two members of a pair, over a websocket (`/ws/pairs/{id}`).
//!
//! A message is stored before it is acknowledged; a resend with the same client id is stored
//! once and acknowledged again, so a browser that lost its connection resends its unacknowledged
//! messages without creating duplicates. Delivery inside one instance goes through a broadcast
//! channel per pair; with PostgreSQL every stored message is also announced with NOTIFY and each
//! instance LISTENs, so a client on another instance receives it too.
//!
//! A socket lives only as long as what allowed it: every message re-checks the session and the
//! pair (active, the sender a member); signing out closes the session's sockets at once (on every
//! instance); a check every [`RECHECK`] catches sessions that expired and pairs that ended. The
//! socket then closes with a code the browser reads to stop reconnecting (4401 signed out, 4403
//! not a member, 4409 the pair ended). Frames are capped at [`MAX_FRAME`] bytes and each socket
//! may send [`BURST`] messages at once, then [`PER_SECOND`] a second.

use super::{check_message, db, ClientFrame, Message, ServerFrame};
use crate::error::AppError;
use crate::server::{db::Backend, guards::{pair_member, CurrentUser, PairAccess}, proxy::Client, security::same_site, AppState};
use axum::{
    extract::{
        ws::{self, WebSocket, WebSocketUpgrade},
        Extension, Path, State,
    },
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use crate::accounts::SessionUser;
use std::collections::{HashMap, HashSet};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::broadcast;
use tower_sessions::Session;

const CHANNEL: &str = "upmentor_messages";
/// Largest frame a browser may send (bytes): a message is at most 4,000 characters.
pub const MAX_FRAME: usize = 64 * 1024;
/// Messages a socket may send back to back, and the pace after that (per second).
pub const BURST: u32 = 20;
pub const PER_SECOND: u32 = 2;
/// How often an idle socket re-checks its session and pair.
pub const RECHECK: Duration = Duration::from_secs(30);

/// Why a socket was closed, as the close frame tells the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    SignedOut,
    NotMember,
    PairEnded,
}

impl Ended {
    fn code(self) -> u16 {
        match self {
            Ended::SignedOut => 4401,
            Ended::NotMember => 4403,
            Ended::PairEnded => 4409,
        }
    }
    fn reason(self) -> &'static str {
        match self {
            Ended::SignedOut => "Your session has ended. Sign in again to keep chatting.",
            Ended::NotMember => "You are no longer in this pair.",
            Ended::PairEnded => "This pair has ended; its chat is closed.",
        }
    }
}

/// The live connections of this instance, by pair.
#[derive(Default)]
pub struct Hub {
    pairs: Mutex<HashMap<i64, broadcast::Sender<Message>>>,
}

impl Hub {
    fn subscribe(&self, pair_id: i64) -> broadcast::Receiver<Message> {
        let mut pairs = self.pairs.lock().unwrap_or_else(|e| e.into_inner());
        pairs.entry(pair_id).or_insert_with(|| broadcast::channel(256).0).subscribe()
    }

    /// Hands a stored message to this instance's connections of its pair.
    pub fn deliver(&self, pair_id: i64, message: Message) {
        let mut pairs = self.pairs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = pairs.get(&pair_id) {
            if tx.send(message).is_err() {
                // Nobody is listening any more.
                pairs.remove(&pair_id);
            }
        }
    }
}

/// Announces a stored message: through PostgreSQL to every instance, or directly with SQLite.
pub async fn announce(state: &AppState, pair_id: i64, message: Message) {
    if state.db.backend == Backend::Postgres {
        if let Err(e) = crate::server::db::notify(&state.db, CHANNEL, &message.id.to_string()).await {
            tracing::warn!(error = %e, "NOTIFY failed; delivering on this instance only");
            state.hub.deliver(pair_id, message);
        }
    } else {
        state.hub.deliver(pair_id, message);
    }
}

/// With PostgreSQL: listens for messages stored by any instance and delivers them here.
pub fn spawn_listener(state: AppState) {
    if state.db.backend != Backend::Postgres {
        return;
    }
    tokio::spawn(async move {
        loop {
            match sqlx::postgres::PgListener::connect(&state.config.database_url()).await {
                Ok(mut listener) => {
                    let sessions = crate::server::auth::SESSIONS_ENDED_CHANNEL;
                    if let Err(e) = listener.listen_all([CHANNEL, sessions]).await {
                        tracing::warn!(error = %e, "LISTEN failed");
                    } else {
                        loop {
                            match listener.recv().await {
                                Ok(n) if n.channel() == sessions => state.sessions.ended(n.payload()),
                                Ok(n) => {
                                    let Ok(id) = n.payload().parse::<i64>() else { continue };
                                    match db::message(&state.db, id).await {
                                        Ok(Some(db::PairMessage { pair_id, message })) => state.hub.deliver(pair_id, message),
                                        Ok(None) => {}
                                        Err(e) => tracing::warn!(error = %e, "could not load a notified message"),
                                    }
                                }
                                Err(e) => {
                                    tracing::warn!(error = %e, "chat listener lost its connection");
                                    break;
                                }
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "chat listener could not connect"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    });
}

/// The websocket endpoint: only the pair's two members may connect.
pub async fn socket(
    ws: WebSocketUpgrade,
    Path(pair_id): Path<i64>,
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Option<Extension<Client>>,
    session: Session,
    user: Result<CurrentUser, AppError>,
) -> Response {
    // A page of another site may not open a chat with the visitor's cookies: the same rule as
    // every other request that acts for the visitor.
    if let Some(origin) = headers.get(header::ORIGIN) {
        let public = state.config.public_origin();
        if !origin.to_str().is_ok_and(|o| same_site(o, public.as_deref(), client.as_ref().map(|c| &c.0))) {
            return StatusCode::FORBIDDEN.into_response();
        }
    }
    // Subscribed before anything is looked up: a sign-out while this handshake runs is seen.
    let ended = state.sessions.subscribe();
    let user = match user {
        Ok(CurrentUser(user)) => user,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = pair_member(&state.db, &user, pair_id, PairAccess::Change).await {
        return e.into_response();
    }
    let Some(session_id) = session.id().map(|id| id.to_string()) else {
        return AppError::Unauthenticated.into_response();
    };
    // Subscribed before the handshake answers: a message the partner sends the moment this
    // client sees 101 reaches it live.
    let live = state.hub.subscribe(pair_id);
    let open = Open { state, pair_id, user, session_id };
    ws.max_message_size(MAX_FRAME).max_frame_size(MAX_FRAME).on_upgrade(move |socket| run(socket, open, live, ended))
}

/// What a socket was opened with.
struct Open {
    state: AppState,
    pair_id: i64,
    user: SessionUser,
    session_id: String,
}

impl Open {
    /// Whether the socket may go on: its session still exists and the pair is still running
    /// with this person in it. `Ok(false)`: the database did not answer, so it cannot be told
    /// (the socket stays open, but nothing is stored on its word).
    async fn still_allowed(&self) -> Result<bool, Ended> {
        match crate::server::db::live_session(&self.state.db, &self.session_id, crate::server::db::now()).await {
            Ok(None) => return Err(Ended::SignedOut),
            Ok(Some(_)) => {}
            Err(_) => return Ok(false),
        }
        match pair_member(&self.state.db, &self.user, self.pair_id, PairAccess::Change).await {
            Err(AppError::Conflict(_)) => Err(Ended::PairEnded),
            Err(AppError::Forbidden | AppError::NotFound) => Err(Ended::NotMember),
            Ok(_) => Ok(true),
            Err(_) => Ok(false),
        }
    }
}

async fn close(socket: &mut WebSocket, why: Ended) {
    let frame = ws::CloseFrame { code: why.code(), reason: why.reason().into() };
    let _ = socket.send(ws::Message::Close(Some(frame))).await;
}

async fn send(socket: &mut WebSocket, frame: &ServerFrame) -> bool {
    match serde_json::to_string(frame) {
        Ok(text) => socket.send(ws::Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}

async fn run(mut socket: WebSocket, open: Open, mut live: broadcast::Receiver<Message>, mut ended: broadcast::Receiver<String>) {
    let (state, pair_id, uid) = (&open.state, open.pair_id, open.user.id);
    // Messages this connection sent: their broadcast copy is not echoed (the ack carried it).
    let mut mine: HashSet<String> = HashSet::new();
    let pace = governor::Quota::per_second(NonZeroU32::new(PER_SECOND).unwrap_or(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(BURST).unwrap_or(NonZeroU32::MIN));
    let limiter = governor::RateLimiter::direct(pace);
    // Read markers: each browser sends one per message it shows; only an advance is written,
    // and at most the same pace as messages.
    let reads = governor::RateLimiter::direct(pace);
    let mut last_read = 0i64;
    // A marker past the pace waits here and is written a moment later.
    let mut pending_read: Option<i64> = None;
    let mut flush = tokio::time::interval(Duration::from_secs(2));
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
    loop {
        tokio::select! {
            gone = ended.recv() => {
                let ours = match gone {
                    Ok(id) => id == open.session_id,
                    // Missed some: ask the database instead.
                    Err(broadcast::error::RecvError::Lagged(_)) => open.still_allowed().await == Err(Ended::SignedOut),
                    Err(broadcast::error::RecvError::Closed) => false,
                };
                if ours {
                    close(&mut socket, Ended::SignedOut).await;
                    break;
                }
            }
            _ = flush.tick(), if pending_read.is_some() => {
                if let Some(last_id) = pending_read.take().filter(|id| *id > last_read) {
                    last_read = last_id;
                    if let Err(e) = db::update_read_marker(&state.db, pair_id, uid, last_id).await {
                        tracing::warn!(error = %e, "could not mark messages read");
                    }
                }
            }
            _ = recheck.tick() => {
                if let Err(why) = open.still_allowed().await {
                    close(&mut socket, why).await;
                    break;
                }
            }
            incoming = socket.recv() => {
                let Some(Ok(incoming)) = incoming else { break };
                let text = match incoming {
                    ws::Message::Text(t) => t,
                    ws::Message::Close(_) => break,
                    _ => continue,
                };
                let frame: ClientFrame = match serde_json::from_str(text.as_str()) {
                    Ok(f) => f,
                    // Unreadable frames cost a reply each: they count against the pace.
                    Err(_) if limiter.check().is_err() => continue,
                    Err(_) => {
                        let refused = ServerFrame::Refused { client_id: String::new(), reason: "The message could not be read.".into() };
                        if !send(&mut socket, &refused).await { break }
                        continue;
                    }
                };
                match frame {
                    ClientFrame::Send { client_id, body, goal_id, checkin_id } => {
                        // Paced before any database work.
                        if limiter.check().is_err() {
                            let slow = ServerFrame::Slow { client_id, retry_ms: 1000 / PER_SECOND + 100 };
                            if !send(&mut socket, &slow).await { break }
                            continue;
                        }
                        match open.still_allowed().await {
                            Err(why) => {
                                close(&mut socket, why).await;
                                break;
                            }
                            Ok(false) => {
                                let slow = ServerFrame::Slow { client_id, retry_ms: 2000 };
                                if !send(&mut socket, &slow).await { break }
                                continue;
                            }
                            Ok(true) => {}
                        }
                        let reply = handle_send(state, pair_id, uid, &client_id, &body, goal_id, checkin_id).await;
                        if let ServerFrame::Ack { message } = &reply {
                            mine.insert(message.client_id.clone());
                            if mine.len() > 1000 { mine.clear(); mine.insert(message.client_id.clone()); }
                        }
                        if !send(&mut socket, &reply).await { break }
                    }
                    ClientFrame::Read { last_id } => {
                        if last_id <= last_read {
                            continue;
                        }
                        if reads.check().is_err() {
                            pending_read = Some(pending_read.map_or(last_id, |p| p.max(last_id)));
                            continue;
                        }
                        last_read = last_id;
                        if let Err(e) = db::update_read_marker(&state.db, pair_id, uid, last_id).await {
                            tracing::warn!(error = %e, "could not mark messages read");
                        }
                    }
                }
            }
            delivered = live.recv() => {
                match delivered {
                    Ok(message) => {
                        if message.sender_id == uid && mine.contains(&message.client_id) { continue }
                        if !send(&mut socket, &ServerFrame::Message { message }).await { break }
                    }
                    // Fell behind: the browser fetches what it missed when it reconnects.
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        }
    }
}

async fn handle_send(
    state: &AppState,
    pair_id: i64,
    uid: i64,
    client_id: &str,
    body: &str,
    goal_id: Option<i64>,
    checkin_id: Option<i64>,
) -> ServerFrame {
    let refused = |reason: String| ServerFrame::Refused { client_id: client_id.to_string(), reason };
    let body = match check_message(client_id, body) {
        Ok(b) => b,
        Err(reason) => return refused(reason),
    };
    // A reference must point into this pair.
    if let Some(g) = goal_id {
        if db::goal_pair(&state.db, g).await.ok().flatten() != Some(pair_id) {
            return refused("That goal is not in this pair.".into());
        }
    }
    if let Some(c) = checkin_id {
        if db::checkin_pair(&state.db, c).await.ok().flatten().map(|x| x.pair_id) != Some(pair_id) {
            return refused("That check-in is not in this pair.".into());
        }
    }
    match db::store_message(&state.db, pair_id, uid, client_id, &body, goal_id, checkin_id).await {
        Ok((message, new)) => {
            if message.sender_id != uid {
                return refused("The message id is already taken.".into());
            }
            if new {
                announce(state, pair_id, message.clone()).await;
            }
            ServerFrame::Ack { message }
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not store a message");
            refused("The message could not be saved; it will be sent again.".into())
        }
    }
}
