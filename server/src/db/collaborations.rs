//! Collaborations and their states: invitations, applications, approval, decline,
//! withdrawal and end. Each change writes, in its own transaction, the audit entry on the
//! source, a notification to the other side (live and by email) and the `collaboration.*`
//! webhook event to both sides.
//!
//! One row per (program, source): trying again after a decline, a withdrawal or an end
//! moves the same row (and its tracking code) back to `invited` or `pending`.

use model::audit::{AuditAction, FieldChange};
use model::program::{ApprovalMode, Collaboration, CollaborationState, Program};
use model::webhook::WebhookEventType;
use model::{Channel, Role, Status, Visibility};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::audit::{self, NewAuditEvent};
use super::programs::{state_of, tracking_url};
use super::Db;
use crate::codes;
use crate::time::{now_ms, rfc3339};

const SELECT: &str = "SELECT c.id, c.program_id, p.name AS program_name, adv.display_name AS advertiser_name,
    c.traffic_source_id, s.name AS source_name, s.url AS source_url, s.partner_id, a.display_name AS partner_name, s.status,
    s.visibility, s.verified_method, s.channels, p.accepted_channels, c.state, c.message, c.reason, c.tracking_code, c.clicks, c.refused_clicks, c.created_at, c.updated_at
    FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id JOIN accounts a ON a.id = s.partner_id
    JOIN programs p ON p.id = c.program_id JOIN accounts adv ON adv.id = p.advertiser_id";

pub fn from_row(row: &AnyRow, base_url: &str) -> Result<Collaboration, sqlx::Error> {
    let status: String = row.try_get("status")?;
    let visibility: String = row.try_get("visibility")?;
    let code: String = row.try_get("tracking_code")?;
    let state = state_of(row)?;
    let decode_err =
        |what: &str| sqlx::Error::Decode(format!("unexpected {what} in collaboration").into());
    let approved = state == CollaborationState::Approved;
    Ok(Collaboration {
        id: row.try_get("id")?,
        program_id: row.try_get("program_id")?,
        program_name: row.try_get("program_name")?,
        advertiser_name: row.try_get("advertiser_name")?,
        traffic_source_id: row.try_get("traffic_source_id")?,
        source_name: row.try_get("source_name")?,
        source_url: row.try_get("source_url")?,
        partner_id: row.try_get("partner_id")?,
        partner_name: row.try_get("partner_name")?,
        status: Status::from_id(&status).ok_or_else(|| decode_err("status"))?,
        visibility: Visibility::from_id(&visibility).ok_or_else(|| decode_err("visibility"))?,
        state,
        verified: row
            .try_get::<Option<String>, _>("verified_method")?
            .is_some(),
        channels: Channel::from_mask(row.try_get("channels")?),
        channels_outside: {
            let (declared, accepted): (i64, i64) =
                (row.try_get("channels")?, row.try_get("accepted_channels")?);
            if accepted == 0 {
                Vec::new()
            } else {
                Channel::from_mask(declared & !accepted)
            }
        },
        message: row.try_get("message")?,
        reason: row.try_get("reason")?,
        // The link exists only while approved: never shown before, nor after an end.
        tracking_url: approved.then(|| tracking_url(base_url, &code)),
        tracking_code: approved.then_some(code),
        clicks: row.try_get("clicks")?,
        refused_clicks: row.try_get("refused_clicks")?,
        // Filled from the rollups by `db::traffic::fill_collaborations` where shown.
        clicks_30d: 0,
        match_rate_30d: None,
        evidence: None,
        created_at: rfc3339(row.try_get("created_at")?),
        updated_at: rfc3339(row.try_get("updated_at")?),
    })
}

/// The sources of a program, in the order they were added, whatever their state.
pub async fn of_program(
    db: &Db,
    program_id: i64,
    base_url: &str,
) -> Result<Vec<Collaboration>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE c.program_id = $1 ORDER BY c.id");
    let rows = sqlx::query(&sql)
        .bind(program_id)
        .fetch_all(&db.pool)
        .await?;
    let mut out = rows
        .iter()
        .map(|row| from_row(row, base_url))
        .collect::<Result<Vec<_>, _>>()?;
    super::traffic::fill_collaborations(db, program_id, &mut out).await?;
    Ok(out)
}

/// Who asks: the filter that keeps what they may see.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub id: i64,
    pub role: Role,
}

impl Viewer {
    fn filter(self) -> &'static str {
        match self.role {
            Role::Partner => "s.partner_id = $1",
            Role::Advertiser => "p.advertiser_id = $1",
            Role::Staff => "($1 = $1)",
        }
    }
}

/// One collaboration as `viewer` may see it; another's is `None`, as if it did not exist.
pub async fn get(
    db: &Db,
    id: i64,
    viewer: Viewer,
    base_url: &str,
) -> Result<Option<Collaboration>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE c.id = $2 AND {}", viewer.filter());
    let row = sqlx::query(&sql)
        .bind(viewer.id)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(|r| from_row(r, base_url)).transpose()
}

#[derive(Debug, Default, Clone, Copy)]
pub struct ListFilter {
    pub state: Option<CollaborationState>,
    pub program_id: Option<i64>,
    pub traffic_source_id: Option<i64>,
}

/// One page of what `viewer` may see, newest change first (ids break ties), and the
/// cursor of the next page (`updated_at:id`), and the total.
pub async fn list(
    db: &Db,
    viewer: Viewer,
    filter: ListFilter,
    cursor: Option<(i64, i64)>,
    limit: i64,
    base_url: &str,
) -> Result<(Vec<Collaboration>, Option<String>, i64), sqlx::Error> {
    let mut conditions = vec![viewer.filter().to_string()];
    let mut n = 1;
    let mut next_param = || {
        n += 1;
        format!("${n}")
    };
    if filter.state.is_some() {
        conditions.push(format!("c.state = {}", next_param()));
    }
    if filter.program_id.is_some() {
        conditions.push(format!("c.program_id = {}", next_param()));
    }
    if filter.traffic_source_id.is_some() {
        conditions.push(format!("c.traffic_source_id = {}", next_param()));
    }
    let where_ = conditions.join(" AND ");
    let (a, b, c, d) = (next_param(), next_param(), next_param(), next_param());
    let sql = format!(
        "{SELECT} WHERE {where_} AND (c.updated_at < {a} OR (c.updated_at = {b} AND c.id < {c}))
         ORDER BY c.updated_at DESC, c.id DESC LIMIT {d}"
    );
    let count_sql = format!(
        "SELECT COUNT(*) AS n FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id
         JOIN programs p ON p.id = c.program_id WHERE {where_}"
    );
    macro_rules! bind_filters {
        ($q:expr) => {{
            let mut q = $q.bind(viewer.id);
            if let Some(s) = filter.state {
                q = q.bind(s.id());
            }
            if let Some(p) = filter.program_id {
                q = q.bind(p);
            }
            if let Some(t) = filter.traffic_source_id {
                q = q.bind(t);
            }
            q
        }};
    }
    let (at, id) = cursor.unwrap_or((i64::MAX, i64::MAX));
    let rows = bind_filters!(sqlx::query(&sql))
        .bind(at)
        .bind(at)
        .bind(id)
        .bind(limit + 1)
        .fetch_all(&db.pool)
        .await?;
    let mut items = rows
        .iter()
        .map(|r| from_row(r, base_url))
        .collect::<Result<Vec<_>, _>>()?;
    let mut next = None;
    if items.len() as i64 > limit {
        items.truncate(limit as usize);
        if let Some(last) = rows.get(limit as usize - 1) {
            let updated: i64 = last.try_get("updated_at")?;
            next = Some(format!("{updated}:{}", last.try_get::<i64, _>("id")?));
        }
    }
    let total: i64 = bind_filters!(sqlx::query(&count_sql))
        .fetch_one(&db.pool)
        .await?
        .try_get("n")?;
    Ok((items, next, total))
}

/// Why a source may not start (again) in a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    NotActive,
    Blocked,
    /// The channels outside the accepted ones.
    Channels(Vec<Channel>),
    AlreadyMember,
    CoolingOff,
    /// The program holds as many sources as it may (`--max-sources-per-program`).
    AtCap(i64),
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotFound => "not_found",
            Refusal::NotActive => "not_active",
            Refusal::Blocked => "blocked",
            Refusal::Channels(_) => "channels",
            Refusal::AlreadyMember => "already_member",
            Refusal::CoolingOff => "cooling_off",
            Refusal::AtCap(_) => "at_cap",
        }
    }
    pub fn message(&self) -> String {
        match self {
            Refusal::NotFound => "No such traffic source of yours.".into(),
            Refusal::NotActive => "The source is paused: resume it to apply.".into(),
            Refusal::Blocked => "The source is blocked by platform staff.".into(),
            Refusal::Channels(outside) => format!(
                "This program does not accept {}.",
                outside
                    .iter()
                    .map(|c| c.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Refusal::AlreadyMember => {
                "The source is already invited to, applying to or in this program.".into()
            }
            Refusal::CoolingOff => {
                "The source was declined or left this program recently; try again later.".into()
            }
            Refusal::AtCap(max) => format!(
                "This program holds {max} sources, the most one program can. Add this source to another program."
            ),
        }
    }
}

/// What a new start does: an advertiser's invitation or a partner's application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    Invite,
    Apply,
}

/// Starts (or starts again) a collaboration between `program` and a source: the source's
/// checks first, then the row, all in one transaction. On PostgreSQL the source row is
/// share-locked, so a block running at the same moment either waits for this (and then
/// closes what it made) or commits first (and this reads the block).
#[allow(clippy::too_many_arguments)]
pub async fn start(
    db: &Db,
    program: &Program,
    advertiser_id: i64,
    source_id: i64,
    partner_id: Option<i64>,
    how: Start,
    message: Option<&str>,
    actor_id: i64,
    cooling_off_ms: i64,
    max_sources: i64,
) -> Result<Result<i64, Refusal>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let lock = match db.backend {
        super::Backend::Postgres => " FOR SHARE",
        super::Backend::Sqlite => "",
    };
    let source = sqlx::query(&format!(
        "SELECT partner_id, status, visibility, channels, name FROM traffic_sources WHERE id = $1{lock}"
    ))
    .bind(source_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(source) = source else {
        return Ok(Err(Refusal::NotFound));
    };
    let owner: i64 = source.try_get("partner_id")?;
    let status: String = source.try_get("status")?;
    let visibility: String = source.try_get("visibility")?;
    let source_name: String = source.try_get("name")?;
    match how {
        Start::Apply if Some(owner) != partner_id => return Ok(Err(Refusal::NotFound)),
        // An advertiser invites only what the marketplace shows (Active and Public).
        Start::Invite if status != "active" || visibility != "public" => {
            return Ok(Err(Refusal::NotFound))
        }
        _ => {}
    }
    if status == "blocked" {
        return Ok(Err(Refusal::Blocked));
    }
    if status != "active" {
        return Ok(Err(Refusal::NotActive));
    }
    if how == Start::Apply && !program.accepted_channels.is_empty() {
        let accepted = Channel::mask(&program.accepted_channels);
        let outside = Channel::from_mask(source.try_get::<i64, _>("channels")? & !accepted);
        if !outside.is_empty() {
            return Ok(Err(Refusal::Channels(outside)));
        }
    }
    let now = now_ms();
    let new_state = match how {
        Start::Invite => CollaborationState::Invited,
        Start::Apply if program.approval_mode == ApprovalMode::Automatic => {
            CollaborationState::Approved
        }
        Start::Apply => CollaborationState::Pending,
    };
    let existing = sqlx::query(
        "SELECT id, state, updated_at FROM collaborations WHERE program_id = $1 AND traffic_source_id = $2",
    )
    .bind(program.id)
    .bind(source_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (id, old_state) = match existing {
        Some(row) => {
            let state = state_of(&row)?;
            let updated: i64 = row.try_get("updated_at")?;
            if !state.closed() {
                return Ok(Err(Refusal::AlreadyMember));
            }
            // A withdrawal was the partner's own step: no wait after it.
            if state != CollaborationState::Withdrawn && now - updated < cooling_off_ms {
                return Ok(Err(Refusal::CoolingOff));
            }
            let id: i64 = row.try_get("id")?;
            sqlx::query(
                "UPDATE collaborations SET state = $1, message = $2, reason = NULL, updated_at = $3 WHERE id = $4",
            )
            .bind(new_state.id())
            .bind(message)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            (id, Some(state))
        }
        None => {
            // A new pair takes a place in the program, counted in this transaction (the
            // program's row locked on PostgreSQL, so two adds cannot both take the last).
            let have = db
                .count_for_cap(
                    &mut tx,
                    "programs",
                    "collaborations",
                    "program_id",
                    program.id,
                )
                .await?;
            if have >= max_sources {
                return Ok(Err(Refusal::AtCap(max_sources)));
            }
            match insert(&mut tx, program.id, source_id, new_state, message, now).await? {
                Some(id) => (id, None),
                // Another request made the pair a moment ago.
                None => return Ok(Err(Refusal::AlreadyMember)),
            }
        }
    };
    let event = match how {
        Start::Invite => WebhookEventType::CollaborationInvited,
        Start::Apply => WebhookEventType::CollaborationApplied,
    };
    let told = match how {
        Start::Invite => (
            owner,
            format!(
                "{} invited your traffic source \u{201c}{source_name}\u{201d} to the program \u{201c}{}\u{201d}.",
                program.advertiser_name, program.name
            ),
        ),
        Start::Apply => (
            advertiser_id,
            match new_state {
                CollaborationState::Approved => format!(
                    "The traffic source \u{201c}{source_name}\u{201d} joined your program \u{201c}{}\u{201d} (automatic approval).",
                    program.name
                ),
                _ => format!(
                    "The traffic source \u{201c}{source_name}\u{201d} applied to your program \u{201c}{}\u{201d}.",
                    program.name
                ),
            },
        ),
    };
    record(
        &mut tx,
        Change {
            id,
            source_id,
            source_name: &source_name,
            program_name: &program.name,
            actor_id,
            old: old_state,
            new: match how {
                // The application is recorded as made, then its automatic approval.
                Start::Apply => CollaborationState::Pending,
                Start::Invite => CollaborationState::Invited,
            },
            reason: None,
            event,
            tell: Some(told),
        },
    )
    .await?;
    if new_state == CollaborationState::Approved {
        record(
            &mut tx,
            Change {
                id,
                source_id,
                source_name: &source_name,
                program_name: &program.name,
                actor_id,
                old: Some(CollaborationState::Pending),
                new: CollaborationState::Approved,
                reason: None,
                event: WebhookEventType::CollaborationApproved,
                tell: None,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Ok(id))
}

/// A new row with a fresh tracking code; 95-bit codes practically never collide, and a
/// collision draws again (inside a savepoint on PostgreSQL, where an error would otherwise
/// end the transaction). `None` when the pair was made by a request running at the same
/// moment.
async fn insert(
    tx: &mut Transaction<'_, Any>,
    program_id: i64,
    source_id: i64,
    state: CollaborationState,
    message: Option<&str>,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let mut last = None;
    for _ in 0..5 {
        sqlx::query("SAVEPOINT draw").execute(&mut **tx).await?;
        let inserted = sqlx::query(
            "INSERT INTO collaborations (program_id, traffic_source_id, tracking_code, clicks, refused_clicks, created_at, state, message, updated_at)
             VALUES ($1, $2, $3, 0, 0, $4, $5, $6, $4) RETURNING id",
        )
        .bind(program_id)
        .bind(source_id)
        .bind(codes::tracking_code())
        .bind(now)
        .bind(state.id())
        .bind(message)
        .fetch_one(&mut **tx)
        .await;
        match inserted {
            Ok(row) => {
                sqlx::query("RELEASE SAVEPOINT draw")
                    .execute(&mut **tx)
                    .await?;
                return row.try_get("id").map(Some);
            }
            Err(e) if super::unique_violation(&e).is_some_and(|w| w.contains("tracking_code")) => {
                sqlx::query("ROLLBACK TO SAVEPOINT draw")
                    .execute(&mut **tx)
                    .await?;
                last = Some(e);
            }
            Err(e) if super::unique_violation(&e).is_some() => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or(sqlx::Error::Protocol(
        "could not draw an unused tracking code".into(),
    )))
}

/// One step of the state machine, asked by a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Accept,
    Decline,
    Approve,
    Withdraw,
    End,
}

#[derive(Debug)]
pub enum StepOutcome {
    Done(i64),
    NotFound,
    /// The role may not take this step at all.
    Forbidden(&'static str),
    /// Not in a state this step applies to.
    WrongState(CollaborationState),
}

/// Which side takes `step`, from which state, to which state.
fn rule(step: Step, role: Role) -> Option<(CollaborationState, CollaborationState)> {
    use CollaborationState::*;
    match (step, role) {
        (Step::Accept, Role::Partner) => Some((Invited, Approved)),
        (Step::Decline, Role::Partner) => Some((Invited, Declined)),
        (Step::Decline, Role::Advertiser) => Some((Pending, Declined)),
        (Step::Approve, Role::Advertiser) => Some((Pending, Approved)),
        (Step::Withdraw, Role::Partner) => Some((Pending, Withdrawn)),
        (Step::End, Role::Partner | Role::Advertiser) => Some((Approved, Ended)),
        _ => None,
    }
}

/// Takes `step` on collaboration `id` for `viewer` (a partner on their source's, an
/// advertiser on their program's). The UPDATE names the state it leaves, so two steps at
/// once cannot both succeed.
pub async fn step(
    db: &Db,
    id: i64,
    viewer: Viewer,
    step: Step,
    reason: Option<&str>,
) -> Result<StepOutcome, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let sql = format!(
        "SELECT c.state, c.traffic_source_id, s.name AS source_name, s.partner_id, p.name AS program_name, p.advertiser_id
         FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id JOIN programs p ON p.id = c.program_id
         WHERE c.id = $2 AND {}",
        viewer.filter()
    );
    let Some(row) = sqlx::query(&sql)
        .bind(viewer.id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(StepOutcome::NotFound);
    };
    let Some((from, to)) = rule(step, viewer.role) else {
        return Ok(StepOutcome::Forbidden(match viewer.role {
            Role::Staff => "Staff do not take part in collaborations.",
            Role::Partner => "Only the program's advertiser can do that.",
            Role::Advertiser => "Only the source's partner can do that.",
        }));
    };
    let current = state_of(&row)?;
    if current != from {
        return Ok(StepOutcome::WrongState(current));
    }
    let done = sqlx::query(
        "UPDATE collaborations SET state = $1, reason = $2, updated_at = $3 WHERE id = $4 AND state = $5",
    )
    .bind(to.id())
    .bind(reason)
    .bind(now_ms())
    .bind(id)
    .bind(from.id())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(StepOutcome::WrongState(current));
    }
    let source_id: i64 = row.try_get("traffic_source_id")?;
    let source_name: String = row.try_get("source_name")?;
    let program_name: String = row.try_get("program_name")?;
    let other = match viewer.role {
        Role::Partner => row.try_get::<i64, _>("advertiser_id")?,
        _ => row.try_get::<i64, _>("partner_id")?,
    };
    let event = match to {
        CollaborationState::Approved => WebhookEventType::CollaborationApproved,
        CollaborationState::Declined => WebhookEventType::CollaborationDeclined,
        CollaborationState::Withdrawn => WebhookEventType::CollaborationWithdrawn,
        _ => WebhookEventType::CollaborationEnded,
    };
    let because = reason.map_or(String::new(), |r| {
        format!(" Reason: {}.", r.trim_end_matches('.'))
    });
    let s = format!("\u{201c}{source_name}\u{201d}");
    let p = format!("\u{201c}{program_name}\u{201d}");
    let message = match (step, viewer.role) {
        (Step::Accept, _) => format!("The traffic source {s} accepted your invitation to {p}; its tracking link works now."),
        (Step::Decline, Role::Partner) => format!("The traffic source {s} declined your invitation to {p}.{because}"),
        (Step::Decline, _) => format!("Your application with {s} to the program {p} was declined.{because}"),
        (Step::Approve, _) => format!("Your application with {s} to the program {p} was approved; its tracking link works now."),
        (Step::Withdraw, _) => format!("The traffic source {s} withdrew its application to {p}."),
        (Step::End, Role::Partner) => format!("The traffic source {s} left your program {p}; its tracking link no longer redirects.{because}"),
        (Step::End, _) => format!("Your traffic source {s} was removed from the program {p}; its tracking link no longer redirects.{because}"),
    };
    record(
        &mut tx,
        Change {
            id,
            source_id,
            source_name: &source_name,
            program_name: &program_name,
            actor_id: viewer.id,
            old: Some(from),
            new: to,
            reason,
            event,
            tell: Some((other, message)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StepOutcome::Done(id))
}

/// Closes a source's open invitations and applications as staff block it, in the block's
/// transaction: declined with the reason "source blocked", both sides told by webhook (the
/// block's own notifications tell people).
pub async fn close_on_block(
    tx: &mut Transaction<'_, Any>,
    source_id: i64,
    staff_id: i64,
) -> Result<(), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.id, c.state, s.name AS source_name, p.name AS program_name
         FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id JOIN programs p ON p.id = c.program_id
         WHERE c.traffic_source_id = $1 AND c.state IN ('invited', 'pending') ORDER BY c.id",
    )
    .bind(source_id)
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let old = state_of(&row)?;
        sqlx::query("UPDATE collaborations SET state = 'declined', reason = $1, updated_at = $2 WHERE id = $3")
            .bind(BLOCKED_REASON)
            .bind(now_ms())
            .bind(id)
            .execute(&mut **tx)
            .await?;
        record(
            tx,
            Change {
                id,
                source_id,
                source_name: &row.try_get::<String, _>("source_name")?,
                program_name: &row.try_get::<String, _>("program_name")?,
                actor_id: staff_id,
                old: Some(old),
                new: CollaborationState::Declined,
                reason: Some(BLOCKED_REASON),
                event: WebhookEventType::CollaborationDeclined,
                tell: None,
            },
        )
        .await?;
    }
    Ok(())
}

pub const BLOCKED_REASON: &str = "source blocked";

struct Change<'a> {
    id: i64,
    source_id: i64,
    source_name: &'a str,
    program_name: &'a str,
    actor_id: i64,
    old: Option<CollaborationState>,
    new: CollaborationState,
    reason: Option<&'a str>,
    event: WebhookEventType,
    /// The other side and what they read.
    tell: Option<(i64, String)>,
}

/// The audit entry on the source, the other side's notification, and the webhook event.
async fn record(tx: &mut Transaction<'_, Any>, c: Change<'_>) -> Result<(), sqlx::Error> {
    let changes = [
        FieldChange {
            field: "program".into(),
            old: json!(null),
            new: json!(c.program_name),
        },
        FieldChange {
            field: "state".into(),
            old: json!(c.old.map(|s| s.id())),
            new: json!(c.new.id()),
        },
    ];
    audit::record(
        tx,
        NewAuditEvent {
            source_id: c.source_id,
            actor_id: c.actor_id,
            action: AuditAction::Collaboration,
            changes: &changes,
            reason: c.reason,
            note: None,
        },
    )
    .await?;
    if let Some((account_id, message)) = &c.tell {
        super::notifications::collaboration(tx, *account_id, c.source_id, c.source_name, message)
            .await?;
    }
    crate::webhooks::events::collaboration_changed(tx, c.id, c.event, c.reason).await
}
