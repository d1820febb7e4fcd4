//! Advertisers' programs, and adding marketplace sources to them (collaborations with
//! their tracking links). Another advertiser's program is "not found".

use super::path::Path;
use axum::extract::State;
use axum::http::StatusCode;
use model::program::{AddSource, Collaboration, Program, ProgramDetail, ProgramInput};
use model::{ApiErrorBody, FieldErrors, Page};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Advertiser;
use super::error::{AppError, AppResult};
use super::json::ApiJson;
use super::list_params::Query;
use crate::db::programs::{self, AddOutcome};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_programs, create_program))
        .routes(routes!(get_program))
        .routes(routes!(add_source))
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1–100, default 25.
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only the programs that include this traffic source (e.g. one a notification is about).
    pub traffic_source_id: Option<String>,
}

/// Your programs, newest first, each with how many sources it has; optionally only those that
/// include one traffic source.
#[utoipa::path(get, path = "/api/programs", tag = "programs", params(PageParams),
    responses((status = 200, body = Page<Program>), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn list_programs(
    State(state): State<AppState>,
    Advertiser(advertiser): Advertiser,
    Query(params): Query<PageParams>,
) -> AppResult<ApiJson<Page<Program>>> {
    let limit = model::list::parse_limit(params.limit.as_deref()).map_err(AppError::Malformed)?;
    let before = match params.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| AppError::Malformed("cursor is not valid for this list.".into()))?,
        ),
    };
    let source_id = match params.traffic_source_id.as_deref() {
        None | Some("") => None,
        Some(id) => Some(id.parse::<i64>().map_err(|_| {
            AppError::Malformed("traffic_source_id must be a whole number.".into())
        })?),
    };
    let (items, next_cursor) =
        programs::list(&state.db, advertiser.id, source_id, before, limit).await?;
    let total = Some(programs::count(&state.db, advertiser.id, source_id).await?);
    Ok(ApiJson(Page {
        items,
        next_cursor,
        total,
    }))
}

/// Create a program. The landing URL follows the same rules as a source's URL. An
/// advertiser has at most `--max-programs-per-advertiser` (200 by default): past it, 422
/// at `name` and nothing is created.
#[utoipa::path(post, path = "/api/programs", tag = "programs", request_body = ProgramInput,
    responses((status = 201, body = Program), (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 422, description = "A field is invalid, or the advertiser has as many programs as they may", body = ApiErrorBody)))]
async fn create_program(
    State(state): State<AppState>,
    Advertiser(advertiser): Advertiser,
    ApiJson(input): ApiJson<ProgramInput>,
) -> AppResult<(StatusCode, ApiJson<Program>)> {
    let valid = input.validate().map_err(AppError::Invalid)?;
    let max = state.config.max_programs_per_advertiser;
    let program = programs::create(&state.db, advertiser.id, &valid, max)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "name",
                format!("You have {max} programs, the most one advertiser can have. Add sources to one of them instead."),
            )
        })?;
    Ok((StatusCode::CREATED, ApiJson(program)))
}

/// One of your programs with its sources, their current status and their tracking links.
#[utoipa::path(get, path = "/api/programs/{id}", tag = "programs", params(("id" = i64, Path)),
    responses((status = 200, body = ProgramDetail), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn get_program(
    State(state): State<AppState>,
    Advertiser(advertiser): Advertiser,
    Path(id): Path<i64>,
) -> AppResult<ApiJson<ProgramDetail>> {
    let program = programs::get(&state.db, id, advertiser.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let base = super::public_base_url(&state);
    let sources = programs::collaborations(&state.db, id, &base).await?;
    Ok(ApiJson(ProgramDetail { program, sources }))
}

/// Add a marketplace source to your program.
///
/// Answers the collaboration with its new tracking link. A source that is not Active and
/// Public is 404, like an unknown one. A source already in the program is refused with
/// 422 `duplicate` at `traffic_source_id` (the code a partner's duplicate source gets).
/// A program holds at most `--max-sources-per-program` (10,000 by default): past it, 422
/// `invalid` at `traffic_source_id` and nothing is added.
#[utoipa::path(post, path = "/api/programs/{id}/sources", tag = "programs", params(("id" = i64, Path)), request_body = AddSource,
    responses((status = 201, body = Collaboration), (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, description = "Not your program, or not a marketplace source", body = ApiErrorBody),
              (status = 422, description = "`duplicate`: the source is already in this program; `invalid`: the program holds as many sources as it may", body = ApiErrorBody)))]
async fn add_source(
    State(state): State<AppState>,
    Advertiser(advertiser): Advertiser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AddSource>,
) -> AppResult<(StatusCode, ApiJson<Collaboration>)> {
    let base = super::public_base_url(&state);
    let max = state.config.max_sources_per_program;
    match programs::add_source(&state.db, id, advertiser.id, input.traffic_source_id, &base, max)
        .await?
    {
        AddOutcome::AtCap => Err(AppError::invalid(
            "traffic_source_id",
            format!("This program holds {max} sources, the most one program can. Add this source to another program."),
        )),
        AddOutcome::Added(c) => Ok((StatusCode::CREATED, ApiJson(c))),
        AddOutcome::NotFound => Err(AppError::NotFound),
        AddOutcome::Duplicate => Err(AppError::Duplicate(FieldErrors::from([(
            "traffic_source_id".into(),
            "This source is already in this program.".into(),
        )]))),
    }
}
