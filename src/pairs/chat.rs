//! Real-time chat between the two members of a pair, over a websocket (`/ws/pairs/{id}`).
//!
//! A message is stored before it is acknowledged; a resend with the same client id is stored
//! once and acknowledged again, so a browser that lost its connection resends its unacknowledged
//! messages without creating duplicates. Delivery inside one instance goes through a broadcast
//! channel per pair; with PostgreSQL every stored message is also announced with NOTIFY and each
//! instance LISTENs, so a client on another instance receives it too.

use super::{check_message, db, ClientFrame, Message, ServerFrame};
use crate::error::AppError;
use crate::server::{db::Backend, guards::{pair_member, CurrentUser, PairAccess}, AppState};
use axum::{
    extract::{
        ws::{self, WebSocket, WebSocketUpgrade},
        Path, State,
    },
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use tokio::sync::broadcast;

const CHANNEL: &str = "upmentor_messages";

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
        if let Err(e) = db::notify_instances(&state.db, CHANNEL, message.id).await {
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
                    if let Err(e) = listener.listen(CHANNEL).await {
                        tracing::warn!(error = %e, "LISTEN failed");
                    } else {
                        loop {
                            match listener.recv().await {
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
    user: Result<CurrentUser, AppError>,
) -> Response {
    // A page of another site may not open a chat with the visitor's cookies.
    if let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        let origin = origin.to_str().unwrap_or("");
        let host = host.to_str().unwrap_or("");
        if origin.split("://").nth(1) != Some(host) {
            return StatusCode::FORBIDDEN.into_response();
        }
    }
    let user = match user {
        Ok(CurrentUser(user)) => user,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = pair_member(&state.db, &user, pair_id, PairAccess::Change).await {
        return e.into_response();
    }
    // Subscribed before the handshake answers: a message the partner sends the moment this
    // client sees 101 reaches it live.
    let live = state.hub.subscribe(pair_id);
    ws.max_message_size(64 * 1024).on_upgrade(move |socket| run(socket, state, pair_id, user.id, live))
}

async fn send(socket: &mut WebSocket, frame: &ServerFrame) -> bool {
    match serde_json::to_string(frame) {
        Ok(text) => socket.send(ws::Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}

async fn run(mut socket: WebSocket, state: AppState, pair_id: i64, uid: i64, mut live: broadcast::Receiver<Message>) {
    // Messages this connection sent: their broadcast copy is not echoed (the ack carried it).
    let mut mine: HashSet<String> = HashSet::new();
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(incoming)) = incoming else { break };
                let text = match incoming {
                    ws::Message::Text(t) => t,
                    ws::Message::Close(_) => break,
                    _ => continue,
                };
                let frame: ClientFrame = match serde_json::from_str(text.as_str()) {
                    Ok(f) => f,
                    Err(_) => {
                        let refused = ServerFrame::Refused { client_id: String::new(), reason: "The message could not be read.".into() };
                        if !send(&mut socket, &refused).await { break }
                        continue;
                    }
                };
                match frame {
                    ClientFrame::Send { client_id, body, goal_id, checkin_id } => {
                        let reply = handle_send(&state, pair_id, uid, &client_id, &body, goal_id, checkin_id).await;
                        if let ServerFrame::Ack { message } = &reply {
                            mine.insert(message.client_id.clone());
                            if mine.len() > 1000 { mine.clear(); mine.insert(message.client_id.clone()); }
                        }
                        if !send(&mut socket, &reply).await { break }
                    }
                    ClientFrame::Read { last_id } => {
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
