//! `GET /api/events`: the signed-in person's live event stream (server-sent events). See
//! [`crate::live`] for where events come from and [`crate::live::rights`] for who gets
//! which.

use std::collections::{BTreeSet, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use model::{Account, ApiErrorBody, Role};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::SignedIn;
use super::error::AppError;
use super::list_params::Query;
use crate::db::Db;
use crate::live::rights::{self, Scope, TRAFFIC_OF_MAX};
use crate::live::{self, LiveEvent, StreamSlot, RESUME_WINDOW_MS};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsParams {
    /// A source's id, or up to 100 separated by commas: the stream carries only those
    /// sources' `traffic` events, for a page that shows their traffic. Their partner and
    /// staff may open one; staff's own stream does not carry clicks (it would carry every
    /// click of the platform).
    pub traffic_of: Option<String>,
    /// A source's id, or up to 100 separated by commas (advertisers): the stream carries
    /// only those sources' changes while they are or were in the marketplace, for a
    /// marketplace page that drops a source as it leaves. An advertiser's own stream
    /// carries the changes of the sources in their programs only.
    pub status_of: Option<String>,
}

/// Your live event stream: what changes for you, as it happens.
///
/// Server-sent events, each with an `id`, an `event` name (`source`, `notification`,
/// `collaboration`, `traffic`) and JSON `data`: `{kind, source_id, status, visibility, listed, verified}`.
/// You receive a change of a source you own (partners), of any source (staff), or of a
/// source in your programs (advertisers; `listed: false` means it left the marketplace);
/// a notification made for you; a new collaboration on your source
/// or in your program; new clicks on your source or on your program's link to it
/// (`traffic`, at most one every 5 s per source: load its traffic again to see them). Reconnect with `Last-Event-ID` to receive what you missed, for
/// events up to 5 minutes old, with no duplicates. A comment line is sent as a heartbeat
/// when nothing else is (every 15 s by default). The stream ends when its session does:
/// at once on sign-out, within `--events-session-check-secs` (60 s) when it ends through
/// another instance or expires. A few streams per person at once: past
/// that, 429. With `traffic_of`, only those sources' new clicks (400 for an id that is not
/// a number or more than 100 ids, 403 for an advertiser, 404 when one is no source or
/// another partner's). With `status_of` (advertisers; 403 for others, 400 as for
/// `traffic_of` or with both), only the changes of those sources while in the marketplace.
#[utoipa::path(get, path = "/api/events", tag = "live",
    params(("Last-Event-ID" = Option<String>, Header, description = "The id of the last event received, to resume after it"),
           EventsParams),
    responses(
        (status = 200, description = "The event stream", content_type = "text/event-stream", body = String),
        (status = 400, description = "`traffic_of` or `status_of` is not source ids, or names more than 100, or both are given", body = ApiErrorBody),
        (status = 401, body = ApiErrorBody),
        (status = 403, description = "`traffic_of`: advertisers see traffic through their programs; `status_of`: for advertisers only", body = ApiErrorBody),
        (status = 404, description = "`traffic_of`: one is no source, or another partner's", body = ApiErrorBody),
        (status = 429, description = "Too many streams open for this account", body = ApiErrorBody)))]
async fn events(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Query(params): Query<EventsParams>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let scope = scope(
        &state,
        &me,
        params.traffic_of.as_deref(),
        params.status_of.as_deref(),
    )
    .await?;
    let slot = state
        .live
        .open_stream(me.id, state.config.events_max_per_user)
        .ok_or(AppError::TooManyStreams)?;
    // Subscribed before the backlog is read, so that nothing falls between the two.
    let receiver = state.live.subscribe();
    let closing = state.live.closing();
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let (floor, backlog) = match resume {
        Some(after) => {
            let since = crate::time::now_ms() - RESUME_WINDOW_MS;
            (after, live::since(&state.db, after, since).await?)
        }
        None => (live::newest_id(&state.db).await?, Vec::new()),
    };
    // The stream ends with its session: sign-out, sign-out everywhere, expiry.
    let token = axum_extra::extract::CookieJar::from_headers(&headers)
        .get(super::auth::SESSION_COOKIE)
        .map(|c| crate::db::sessions::token_hash(c.value()))
        .unwrap_or_default();
    let session_end = state.live.sessions.watch(me.id, token);
    let stream = Stream {
        db: state.db.clone(),
        me,
        scope,
        receiver,
        closing,
        seen: Seen::new(floor, backlog.iter().map(|e| e.id)),
        backlog: backlog.into(),
        _slot: slot,
    };
    let events = futures_util::stream::unfold(stream, |mut s| async move {
        s.next().await.map(|event| (Ok::<_, Infallible>(event), s))
    });
    let events = events.take_until(session_end);
    let heartbeat = Duration::from_secs(state.config.events_heartbeat_secs.max(1));
    Ok((
        [
            // Proxies such as nginx would otherwise hold events back in a buffer.
            (
                HeaderName::from_static("x-accel-buffering"),
                HeaderValue::from_static("no"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        Sse::new(events).keep_alive(KeepAlive::new().interval(heartbeat)),
    )
        .into_response())
}

/// What a stream opened with `traffic_of`, `status_of` (or neither) carries, once its
/// person was checked for it: for `traffic_of`, the same rule as reading those sources'
/// traffic.
async fn scope(
    state: &AppState,
    me: &Account,
    traffic_of: Option<&str>,
    status_of: Option<&str>,
) -> Result<Scope, AppError> {
    // Empty is absent, as for every other query parameter.
    fn given(p: Option<&str>) -> Option<&str> {
        p.filter(|t| !t.trim().is_empty())
    }
    let raw = match (given(traffic_of), given(status_of)) {
        (None, None) => return Ok(Scope::Mine),
        (Some(_), Some(_)) => {
            return Err(AppError::Malformed(
                "Give traffic_of or status_of, not both: a stream follows one of them.".into(),
            ))
        }
        (None, Some(raw)) => {
            let ids = source_ids("status_of", raw)?;
            if me.role != Role::Advertiser {
                return Err(AppError::Forbidden(
                    "status_of is for advertisers' marketplace pages: your own stream already carries the changes you may see.",
                ));
            }
            // No check of the ids: the scope carries only what any advertiser may hear of
            // them (their changes in and out of the marketplace).
            return Ok(Scope::StatusOf(ids));
        }
        (Some(raw), None) => raw,
    };
    let ids = source_ids("traffic_of", raw)?;
    if me.role == Role::Advertiser {
        return Err(AppError::Forbidden(
            "Advertisers see a source's clicks through their programs.",
        ));
    }
    // Each must exist and, for a partner, be theirs: else "not found", as its traffic is.
    let owners = crate::db::sources::owners(&state.db, &ids).await?;
    let viewable = owners
        .iter()
        .filter(|(_, partner)| me.role == Role::Staff || *partner == me.id)
        .count();
    if viewable != ids.len() {
        return Err(AppError::NotFound);
    }
    Ok(Scope::TrafficOf(ids))
}

/// The ids of `raw`, sorted, without repeats: at most [`TRAFFIC_OF_MAX`].
fn source_ids(param: &str, raw: &str) -> Result<Vec<i64>, AppError> {
    let mut ids = raw
        .split(',')
        .map(|id| {
            id.trim().parse::<i64>().map_err(|_| {
                AppError::Malformed(format!(
                    "{param} \"{raw}\" is not a traffic source id, or ids separated by commas."
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > TRAFFIC_OF_MAX {
        return Err(AppError::Malformed(format!(
            "{param} names {} sources; a stream follows at most {TRAFFIC_OF_MAX}.",
            ids.len()
        )));
    }
    Ok(ids)
}

/// How many sent ids a stream remembers: far more than can arrive out of order, so a
/// stream open for days holds a fixed amount.
const SEEN_KEPT: usize = 1024;

/// The events a stream has already dealt with. Ids can arrive out of order (two instances
/// commit in either order), so a set above a floor rather than a high-water mark; the set
/// keeps [`SEEN_KEPT`] ids, the oldest folded into the floor.
struct Seen {
    /// Events up to this id were there before the stream began, or were dealt with.
    floor: i64,
    ids: BTreeSet<i64>,
}

impl Seen {
    fn new(floor: i64, ids: impl IntoIterator<Item = i64>) -> Seen {
        let mut seen = Seen {
            floor,
            ids: BTreeSet::new(),
        };
        ids.into_iter().for_each(|id| seen.mark(id));
        seen
    }

    fn is_new(&self, id: i64) -> bool {
        id > self.floor && !self.ids.contains(&id)
    }

    fn mark(&mut self, id: i64) {
        self.ids.insert(id);
        while self.ids.len() > SEEN_KEPT {
            if let Some(oldest) = self.ids.pop_first() {
                self.floor = self.floor.max(oldest);
            }
        }
    }

    /// The newest id dealt with: where a catch-up from the table starts.
    fn last(&self) -> i64 {
        self.ids
            .last()
            .copied()
            .unwrap_or(self.floor)
            .max(self.floor)
    }
}

struct Stream {
    db: Db,
    me: Account,
    scope: Scope,
    receiver: tokio::sync::broadcast::Receiver<Arc<LiveEvent>>,
    closing: tokio::sync::watch::Receiver<bool>,
    seen: Seen,
    backlog: VecDeque<LiveEvent>,
    _slot: StreamSlot,
}

impl Stream {
    /// The next event this person may see; `None` ends the stream (the server stops).
    async fn next(&mut self) -> Option<Event> {
        loop {
            let event = match self.backlog.pop_front() {
                Some(e) => e,
                None => {
                    let received = tokio::select! {
                        r = self.receiver.recv() => r,
                        _ = self.closing.wait_for(|&closing| closing) => return None,
                    };
                    match received {
                        Ok(e) if self.seen.is_new(e.id) => (*e).clone(),
                        Ok(_) => continue,
                        Err(RecvError::Lagged(_)) => {
                            // Too slow for the broadcast: catch up from the table, every page
                            // of what was missed (what the broadcast still holds after it is
                            // dropped as seen).
                            let mut last = self.seen.last();
                            let since = crate::time::now_ms() - RESUME_WINDOW_MS;
                            loop {
                                match live::since(&self.db, last, since).await {
                                    Ok(missed) => {
                                        let full = missed.len() == live::READ_LIMIT;
                                        last = missed.last().map_or(last, |e| e.id);
                                        self.backlog.extend(missed);
                                        if !full {
                                            break;
                                        }
                                    }
                                    Err(e) => {
                                        tracing::warn!(error = %e, "catching up a live stream failed");
                                        break;
                                    }
                                }
                            }
                            continue;
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            };
            self.seen.mark(event.id);
            if !rights::carries(&self.scope, &self.me, &event) {
                continue;
            }
            let data = serde_json::to_string(&rights::update(&event)).unwrap_or_default();
            return Some(
                Event::default()
                    .id(event.id.to_string())
                    .event(&event.kind)
                    .data(data),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Seen, SEEN_KEPT};

    #[test]
    fn an_event_is_dealt_with_once_even_out_of_order() {
        let mut seen = Seen::new(10, [12]);
        assert!(!seen.is_new(9), "before the stream began");
        assert!(!seen.is_new(12), "in the backlog");
        assert!(seen.is_new(13));
        seen.mark(13);
        assert!(!seen.is_new(13));
        // 11 committed after 12 and 13 (another instance): still new, once.
        assert!(seen.is_new(11));
        seen.mark(11);
        assert!(!seen.is_new(11));
        assert_eq!(seen.last(), 13);
    }

    #[test]
    fn a_stream_open_for_days_remembers_a_fixed_number_of_ids() {
        let mut seen = Seen::new(0, []);
        let many = SEEN_KEPT as i64 * 5;
        for id in 1..=many {
            seen.mark(id);
        }
        assert_eq!(seen.ids.len(), SEEN_KEPT);
        for id in 1..=many {
            assert!(!seen.is_new(id), "{id} was dealt with");
        }
        assert!(seen.is_new(many + 1));
        assert_eq!(seen.last(), many);
    }
}
