//! Collaborations: the list each role may read, and the steps of the state machine
//! (`db::collaborations`). Another partner's or advertiser's collaboration is "not found";
//! a step the role never takes is 403; a step from the wrong state is 409 `wrong_state`.

use super::path::Path;
use axum::extract::State;
use model::program::{Collaboration, CollaborationState, ReasonInput};
use model::{ApiErrorBody, FieldErrors, Page};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::SignedIn;
use super::error::{AppError, AppResult};
use super::json::ApiJson;
use super::list_params::Query;
use crate::db::collaborations::{self, ListFilter, Step, StepOutcome, Viewer};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(accept))
        .routes(routes!(decline))
        .routes(routes!(approve))
        .routes(routes!(withdraw))
        .routes(routes!(end))
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// 1–100, default 25.
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `invited`, `pending`, `approved`, `declined`, `withdrawn` or `ended`.
    pub state: Option<String>,
    pub program_id: Option<String>,
    pub traffic_source_id: Option<String>,
}

fn whole(name: &str, raw: Option<&str>) -> Result<Option<i64>, AppError> {
    match raw {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| AppError::Malformed(format!("{name} must be a whole number."))),
    }
}

/// Collaborations, most recently changed first: a partner's sources', an advertiser's
/// programs', or (staff) all; each with the program, the source, the state, the reasons,
/// the link while approved, and times. Advertisers and staff also get each source's
/// `evidence` (30 days of all its valid clicks, as the marketplace's bands).
#[utoipa::path(get, path = "/api/collaborations", tag = "collaborations", params(ListParams),
    responses((status = 200, body = Page<Collaboration>), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody)))]
async fn list(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Query(params): Query<ListParams>,
) -> AppResult<ApiJson<Page<Collaboration>>> {
    let limit = model::list::parse_limit(params.limit.as_deref()).map_err(AppError::Malformed)?;
    let cursor = match params.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(
            c.split_once(':')
                .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
                .ok_or_else(|| AppError::Malformed("cursor is not valid for this list.".into()))?,
        ),
    };
    let filter = ListFilter {
        state: match params.state.as_deref() {
            None | Some("") => None,
            Some(s) => Some(CollaborationState::from_id(s).ok_or_else(|| {
                AppError::Malformed(
                    "state must be invited, pending, approved, declined, withdrawn or ended."
                        .into(),
                )
            })?),
        },
        program_id: whole("program_id", params.program_id.as_deref())?,
        traffic_source_id: whole("traffic_source_id", params.traffic_source_id.as_deref())?,
    };
    let base = super::public_base_url(&state);
    let viewer = Viewer {
        id: user.id,
        role: user.role,
    };
    let (mut items, next_cursor, total) =
        collaborations::list(&state.db, viewer, filter, cursor, limit, &base).await?;
    crate::db::traffic::fill_links(&state.db, &mut items).await?;
    // Advertisers and staff weigh the source itself; partners see their exact figures.
    if user.role != model::Role::Partner {
        crate::db::evidence::fill(
            &state.db,
            &mut items,
            state.config.review_undeclared_percent,
        )
        .await?;
    }
    Ok(ApiJson(Page {
        items,
        next_cursor,
        total: Some(total),
    }))
}

async fn take(
    state: &AppState,
    user: &model::Account,
    id: i64,
    step: Step,
    reason: Option<&str>,
) -> AppResult<ApiJson<Collaboration>> {
    let viewer = Viewer {
        id: user.id,
        role: user.role,
    };
    match collaborations::step(&state.db, id, viewer, step, reason).await? {
        StepOutcome::Done(id) => {
            state.webhooks.wake();
            let base = super::public_base_url(state);
            let c = collaborations::get(&state.db, id, viewer, &base)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(ApiJson(c))
        }
        StepOutcome::NotFound => Err(AppError::NotFound),
        StepOutcome::Forbidden(m) => Err(AppError::Forbidden(m)),
        StepOutcome::WrongState(_) => Err(AppError::Conflict {
            code: "wrong_state",
            message: "The collaboration is not in a state this step applies to.",
        }),
    }
}

/// A reason, required or not; at most 500 characters, one line.
fn reason(input: Option<ReasonInput>, required: bool) -> Result<Option<String>, AppError> {
    let raw = input.map(|i| i.reason).unwrap_or_default();
    let text = raw.trim();
    if text.is_empty() {
        return if required {
            Err(AppError::Invalid(FieldErrors::from([(
                "reason".into(),
                "Give a reason: the other side reads it.".into(),
            )])))
        } else {
            Ok(None)
        };
    }
    model::text::single_line(text, 500, "a reason")
        .map(Some)
        .map_err(|m| AppError::Invalid(FieldErrors::from([("reason".into(), m)])))
}

/// Accept an invitation to a program (the source's partner): the link works at once.
#[utoipa::path(post, path = "/api/collaborations/{id}/accept", tag = "collaborations", params(("id" = i64, Path)),
    responses((status = 200, body = Collaboration), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, description = "`wrong_state`: not invited", body = ApiErrorBody)))]
async fn accept(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<ApiJson<Collaboration>> {
    take(&state, &user, id, Step::Accept, None).await
}

/// Decline: the partner an invitation (reason optional), the advertiser an application
/// (reason required). The other side reads the reason.
#[utoipa::path(post, path = "/api/collaborations/{id}/decline", tag = "collaborations", params(("id" = i64, Path)), request_body(content = Option<ReasonInput>),
    responses((status = 200, body = Collaboration), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, description = "`wrong_state`", body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn decline(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    input: Option<ApiJson<ReasonInput>>,
) -> AppResult<ApiJson<Collaboration>> {
    let required = user.role == model::Role::Advertiser;
    let reason = reason(input.map(|j| j.0), required)?;
    take(&state, &user, id, Step::Decline, reason.as_deref()).await
}

/// Approve an application to your program (the advertiser): the link works at once.
#[utoipa::path(post, path = "/api/collaborations/{id}/approve", tag = "collaborations", params(("id" = i64, Path)),
    responses((status = 200, body = Collaboration), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, description = "`wrong_state`: not pending", body = ApiErrorBody)))]
async fn approve(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<ApiJson<Collaboration>> {
    take(&state, &user, id, Step::Approve, None).await
}

/// Withdraw a pending application (the source's partner).
#[utoipa::path(post, path = "/api/collaborations/{id}/withdraw", tag = "collaborations", params(("id" = i64, Path)),
    responses((status = 200, body = Collaboration), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, description = "`wrong_state`: not pending", body = ApiErrorBody)))]
async fn withdraw(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<ApiJson<Collaboration>> {
    take(&state, &user, id, Step::Withdraw, None).await
}

/// End an approved collaboration (either side, with a reason the other reads): the link
/// stops at once, answering 410.
#[utoipa::path(post, path = "/api/collaborations/{id}/end", tag = "collaborations", params(("id" = i64, Path)), request_body = ReasonInput,
    responses((status = 200, body = Collaboration), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, description = "`wrong_state`: not approved", body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn end(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    input: Option<ApiJson<ReasonInput>>,
) -> AppResult<ApiJson<Collaboration>> {
    let reason = reason(input.map(|j| j.0), true)?;
    take(&state, &user, id, Step::End, reason.as_deref()).await
}
