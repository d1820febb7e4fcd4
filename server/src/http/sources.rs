//! Traffic sources for their partners, and for staff: list, create, read, edit, history.

use super::path::Path;
use axum::extract::State;
use axum::http::StatusCode;
use model::audit::AuditEntry;
use model::source::{SourceProgram, TrafficSourceDetail};
use model::{
    ApiErrorBody, FieldErrors, Page, Role, Sort, SortField, SourceInput, SourceUpdate, Status,
    TrafficSource,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Partner, PartnerOrStaff};
use super::error::{AppError, AppResult};
use super::json::ApiJson;
use super::list_params::{ListParams, Query};
use crate::db::sources::{self, CreateRefusal, DuplicateField, UpdateOutcome};
use crate::db::{audit, programs};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sources, create_source))
        .routes(routes!(get_source, update_source))
        .routes(routes!(source_history))
}

pub const DEFAULT_SORT: Sort = Sort::new(SortField::UpdatedAt, true);

/// Staff's internal note never leaves the server for anyone else.
pub fn for_viewer(mut source: TrafficSource, viewer: Role) -> TrafficSource {
    if viewer != Role::Staff {
        source.block_note = None;
    }
    source
}

/// A source the viewer may read: partners only their own (others' are "not found").
pub(super) async fn readable(
    state: &AppState,
    id: i64,
    viewer: &model::Account,
) -> AppResult<TrafficSource> {
    match sources::get(&state.db, id).await? {
        Some(s) if viewer.role == Role::Staff || s.partner_id == viewer.id => Ok(s),
        _ => Err(AppError::NotFound),
    }
}

fn duplicate(field: DuplicateField) -> AppError {
    let (field, message) = match field {
        DuplicateField::Name => ("name", "You already have a traffic source with this name."),
        DuplicateField::Url => (
            "url",
            "You already have a traffic source with this address.",
        ),
    };
    AppError::Duplicate(FieldErrors::from([(field.into(), message.into())]))
}

/// Partners choose Active or Paused; asking for Blocked is refused outright (403).
fn refuse_blocked(status: &str) -> AppResult<()> {
    if Status::from_id(status.trim()).is_some_and(|s| !s.partner_may_choose()) {
        return Err(AppError::Forbidden(
            "Only platform staff can block a traffic source.",
        ));
    }
    Ok(())
}

/// List traffic sources: a partner's own, or (staff) everyone's; each row with its
/// memberships (`programs_approved`, `programs_pending`, `invitations`). With
/// `observed_matches` the answer has no `total` and a page may hold fewer than `limit` rows.
#[utoipa::path(get, path = "/api/traffic-sources", tag = "traffic sources", params(ListParams),
    responses((status = 200, body = Page<TrafficSource>), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn list_sources(
    State(state): State<AppState>,
    PartnerOrStaff(viewer): PartnerOrStaff,
    Query(params): Query<ListParams>,
) -> AppResult<ApiJson<Page<TrafficSource>>> {
    let mut list = params.parse(DEFAULT_SORT)?.observed(&state.config);
    if viewer.role == Role::Partner {
        if list.filter.partner_id.is_some_and(|p| p != viewer.id) {
            return Err(AppError::Forbidden(
                "Only staff can list other partners' sources.",
            ));
        }
        list.filter.partner_id = Some(viewer.id);
    }
    let planned = sources::plan(&state.db, &list.filter).await?;
    let (mut items, next_cursor) = sources::list(
        &state.db,
        &planned,
        list.sort,
        list.cursor.as_ref(),
        list.limit,
    )
    .await?;
    sources::fill_membership(&state.db, &mut items).await?;
    // Counting is cheap within one partner's sources; across a million it is not. The
    // observed-channels filter is read from the rollups page by page: no count has it.
    let total = match (list.filter.partner_id, list.filter.observed) {
        (Some(_), None) => Some(sources::count(&state.db, &planned).await?),
        _ => None,
    };
    let items = items
        .into_iter()
        .map(|s| for_viewer(s, viewer.role))
        .collect();
    Ok(ApiJson(Page {
        items,
        next_cursor,
        total,
    }))
}

/// Add a traffic source (partners). A partner has at most `--max-sources-per-partner`
/// (1,000 by default): past it, 422 at `name` and nothing is added.
#[utoipa::path(post, path = "/api/traffic-sources", tag = "traffic sources", request_body = SourceInput,
    responses((status = 201, body = TrafficSource), (status = 403, body = ApiErrorBody),
              (status = 422, description = "A field is invalid, a duplicate, or the partner has as many sources as they may", body = ApiErrorBody)))]
async fn create_source(
    State(state): State<AppState>,
    Partner(partner): Partner,
    ApiJson(input): ApiJson<SourceInput>,
) -> AppResult<(StatusCode, ApiJson<TrafficSource>)> {
    refuse_blocked(&input.status)?;
    let valid = input.validate().map_err(AppError::Invalid)?;
    let max = state.config.max_sources_per_partner;
    let created = sources::create(&state.db, partner.id, &valid, max)
        .await?
        .map_err(|refusal| match refusal {
            CreateRefusal::Duplicate(field) => duplicate(field),
            CreateRefusal::AtCap => AppError::invalid(
                "name",
                format!(
                    "You have {max} traffic sources, the most one partner can have. \
                     Edit one of them instead, or ask platform staff."
                ),
            ),
        })?;
    Ok((
        StatusCode::CREATED,
        ApiJson(for_viewer(created, partner.role)),
    ))
}

/// Read a source with the programs that use it and their tracking links.
#[utoipa::path(get, path = "/api/traffic-sources/{id}", tag = "traffic sources", params(("id" = i64, Path)),
    responses((status = 200, body = TrafficSourceDetail), (status = 404, body = ApiErrorBody)))]
async fn get_source(
    State(state): State<AppState>,
    PartnerOrStaff(viewer): PartnerOrStaff,
    Path(id): Path<i64>,
) -> AppResult<ApiJson<TrafficSourceDetail>> {
    let source = readable(&state, id, &viewer).await?;
    let base = super::public_base_url(&state);
    let programs: Vec<SourceProgram> = programs::of_source(&state.db, id, &base).await?;
    let verification = crate::db::verification::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?
        .api();
    // Staff only: to a partner it would tell whether another partner verified the site.
    let verified_elsewhere = viewer.role == Role::Staff
        && crate::db::review::queue::verified_elsewhere(&state.db, id, source.partner_id).await?;
    Ok(ApiJson(TrafficSourceDetail {
        source: for_viewer(source, viewer.role),
        programs,
        verification,
        verified_elsewhere,
    }))
}

/// Edit a source. Send back the `version` you started from: a newer one answers 409 and
/// nothing is written. A Blocked source cannot be edited until staff lift the block.
#[utoipa::path(put, path = "/api/traffic-sources/{id}", tag = "traffic sources", params(("id" = i64, Path)), request_body = SourceUpdate,
    responses((status = 200, body = TrafficSource), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
              (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn update_source(
    State(state): State<AppState>,
    Partner(partner): Partner,
    Path(id): Path<i64>,
    ApiJson(update): ApiJson<SourceUpdate>,
) -> AppResult<ApiJson<TrafficSource>> {
    refuse_blocked(&update.status)?;
    let input = update.input();
    let valid = input.validate();
    let version = update.version;
    let (valid, version) = match (valid, version) {
        (Ok(v), Some(version)) => (v, version),
        (result, version) => {
            let mut errors = result.err().unwrap_or_default();
            if version.is_none() {
                errors.insert(
                    "version".into(),
                    "Send the version you started editing from.".into(),
                );
            }
            return Err(AppError::Invalid(errors));
        }
    };
    match sources::update(&state.db, id, partner.id, version, &valid).await? {
        UpdateOutcome::Updated(s) => Ok(ApiJson(for_viewer(s, partner.role))),
        UpdateOutcome::NotFound => Err(AppError::NotFound),
        UpdateOutcome::Blocked => Err(AppError::SourceBlocked),
        UpdateOutcome::Conflict => Err(AppError::VersionConflict),
        UpdateOutcome::Duplicate(field) => Err(duplicate(field)),
    }
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// 1–100, default 25.
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The audit history of a source, newest first. Staff also see internal notes.
#[utoipa::path(get, path = "/api/traffic-sources/{id}/history", tag = "traffic sources", params(("id" = i64, Path), HistoryParams),
    responses((status = 200, body = Page<AuditEntry>), (status = 404, body = ApiErrorBody)))]
async fn source_history(
    State(state): State<AppState>,
    PartnerOrStaff(viewer): PartnerOrStaff,
    Path(id): Path<i64>,
    Query(params): Query<HistoryParams>,
) -> AppResult<ApiJson<Page<AuditEntry>>> {
    readable(&state, id, &viewer).await?;
    let limit = model::list::parse_limit(params.limit.as_deref()).map_err(AppError::Malformed)?;
    let before = super::list_params::id_cursor(params.cursor.as_deref())?;
    let mut items =
        audit::history(&state.db, id, before, limit + 1, viewer.role == Role::Staff).await?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|e| e.id.to_string())
    } else {
        None
    };
    Ok(ApiJson(Page {
        items,
        next_cursor,
        total: None,
    }))
}
