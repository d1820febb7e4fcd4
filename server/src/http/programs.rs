//! Advertisers' programs (their settings, the partners' directory) and the two ways a
//! source starts in one: an advertiser's invitation, a partner's application. Another
//! advertiser's program, or an unlisted one a partner has no part in, is "not found".

use super::path::Path;
use axum::extract::State;
use axum::http::StatusCode;
use model::program::{
    AddSource, ApplicationInput, ApplicationResult, ApplicationResults, Collaboration, Listing,
    Program, ProgramDetail, ProgramInput,
};
use model::{ApiErrorBody, Channel, FieldErrors, Page, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Advertiser, Partner, SignedIn};
use super::error::{AppError, AppResult};
use super::json::ApiJson;
use super::list_params::Query;
use crate::db::collaborations::{self, Refusal, Start, Viewer};
use crate::db::programs;
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_programs, create_program))
        .routes(routes!(get_program, update_program))
        .routes(routes!(directory))
        .routes(routes!(add_source))
        .routes(routes!(apply))
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
    let before = super::list_params::id_cursor(params.cursor.as_deref())?;
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

/// A program. Its advertiser reads it with all its sources and their states; a partner
/// reads a listed program, or one they have a collaboration in, with only their own
/// sources; staff read any.
#[utoipa::path(get, path = "/api/programs/{id}", tag = "programs", params(("id" = i64, Path)),
    responses((status = 200, body = ProgramDetail), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn get_program(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<ApiJson<ProgramDetail>> {
    let (program, owner) = programs::get_any(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let base = super::public_base_url(&state);
    let mut sources = match user.role {
        Role::Advertiser if owner == user.id => {
            programs::collaborations(&state.db, id, &base).await?
        }
        Role::Staff => programs::collaborations(&state.db, id, &base).await?,
        Role::Partner if programs::partner_may_see(&state.db, &program, user.id).await? => {
            programs::collaborations(&state.db, id, &base).await?
        }
        _ => return Err(AppError::NotFound),
    };
    if user.role == Role::Partner {
        let mine = collaborations::list(
            &state.db,
            Viewer {
                id: user.id,
                role: Role::Partner,
            },
            collaborations::ListFilter {
                program_id: Some(id),
                ..Default::default()
            },
            None,
            1000,
            &base,
        )
        .await?
        .0;
        let ids: Vec<i64> = mine.iter().map(|c| c.id).collect();
        sources.retain(|c| ids.contains(&c.id));
    }
    Ok(ApiJson(ProgramDetail { program, sources }))
}

/// Change one of your programs' settings (the whole body, as at creation).
#[utoipa::path(put, path = "/api/programs/{id}", tag = "programs", params(("id" = i64, Path)), request_body = ProgramInput,
    responses((status = 200, body = Program), (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn update_program(
    State(state): State<AppState>,
    Advertiser(advertiser): Advertiser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ProgramInput>,
) -> AppResult<ApiJson<Program>> {
    let valid = input.validate().map_err(AppError::Invalid)?;
    let program = programs::update(&state.db, id, advertiser.id, &valid)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ApiJson(program))
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryParams {
    /// 1–100, default 25.
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Words in the program's name or description.
    pub q: Option<String>,
    /// A channel id: only programs that accept it.
    pub channel: Option<String>,
}

/// The partners' program directory: listed programs, newest first.
#[utoipa::path(get, path = "/api/programs/directory", tag = "programs", params(DirectoryParams),
    responses((status = 200, body = Page<Program>), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn directory(
    State(state): State<AppState>,
    Partner(_partner): Partner,
    Query(params): Query<DirectoryParams>,
) -> AppResult<ApiJson<Page<Program>>> {
    let limit = model::list::parse_limit(params.limit.as_deref()).map_err(AppError::Malformed)?;
    let before = super::list_params::id_cursor(params.cursor.as_deref())?;
    let channel =
        match params.channel.as_deref() {
            None | Some("") => None,
            Some(id) => Some(Channel::from_id(id).ok_or_else(|| {
                AppError::Malformed(format!("\"{id}\" is not a channel we know."))
            })?),
        };
    let (items, next_cursor, total) =
        programs::directory(&state.db, params.q.as_deref(), channel, before, limit).await?;
    Ok(ApiJson(Page {
        items,
        next_cursor,
        total: Some(total),
    }))
}

/// Apply to a listed program with some of your sources: one collaboration per source.
///
/// Each source is answered with its collaboration (`approved`, with its link, on an
/// automatic program; else `pending`) or its refusal: `not_found` (not yours),
/// `not_active`, `blocked`, `channels` (those outside the accepted ones named),
/// `already_member`, `cooling_off`.
#[utoipa::path(post, path = "/api/programs/{id}/applications", tag = "programs", params(("id" = i64, Path)), request_body = ApplicationInput,
    responses((status = 200, body = ApplicationResults), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
              (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
              (status = 409, description = "`invitation_only`: the program is unlisted", body = ApiErrorBody),
              (status = 422, body = ApiErrorBody)))]
async fn apply(
    State(state): State<AppState>,
    Partner(partner): Partner,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> AppResult<ApiJson<ApplicationResults>> {
    let mut errors = FieldErrors::new();
    if input.traffic_source_ids.is_empty() {
        errors.insert(
            "traffic_source_ids".into(),
            "Choose at least one source.".into(),
        );
    } else if input.traffic_source_ids.len() > 100 {
        errors.insert(
            "traffic_source_ids".into(),
            "At most 100 sources at a time.".into(),
        );
    }
    let message = input.message.trim();
    if message.chars().count() > 1000 {
        errors.insert(
            "message".into(),
            "Keep the message to 1,000 characters.".into(),
        );
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let (program, advertiser_id) = programs::get_any(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !programs::partner_may_see(&state.db, &program, partner.id).await? {
        return Err(AppError::NotFound);
    }
    if program.listing == Listing::Unlisted {
        return Err(AppError::Conflict {
            code: "invitation_only",
            message: "This program takes sources by invitation only.",
        });
    }
    let base = super::public_base_url(&state);
    let viewer = Viewer {
        id: partner.id,
        role: Role::Partner,
    };
    let mut results = Vec::with_capacity(input.traffic_source_ids.len());
    let mut seen = Vec::new();
    for source_id in input.traffic_source_ids {
        let outcome = if seen.contains(&source_id) {
            Err(Refusal::AlreadyMember)
        } else {
            seen.push(source_id);
            collaborations::start(
                &state.db,
                &program,
                advertiser_id,
                source_id,
                Some(partner.id),
                Start::Apply,
                (!message.is_empty()).then_some(message),
                partner.id,
                cooling_off_ms(&state),
                state.config.max_sources_per_program,
            )
            .await?
        };
        results.push(match outcome {
            Ok(cid) => ApplicationResult {
                traffic_source_id: source_id,
                collaboration: collaborations::get(&state.db, cid, viewer, &base).await?,
                refusal: None,
                message: None,
            },
            Err(refusal) => ApplicationResult {
                traffic_source_id: source_id,
                collaboration: None,
                refusal: Some(refusal.code().into()),
                message: Some(refusal.message()),
            },
        });
    }
    state.webhooks.wake();
    Ok(ApiJson(ApplicationResults { results }))
}

pub fn cooling_off_ms(state: &AppState) -> i64 {
    i64::try_from(
        state
            .config
            .collaboration_cooling_off_secs
            .saturating_mul(1000),
    )
    .unwrap_or(i64::MAX)
}

/// Invite a marketplace source to your program.
///
/// Answers the collaboration in state `invited`, without a link: its partner accepts or
/// declines. A source that is not Active and Public is 404, like an unknown one. A source
/// already invited, applying or in the program is refused with 422 `duplicate` at
/// `traffic_source_id`; one declined or ended within the cooling-off period with 409
/// `cooling_off`.
#[utoipa::path(post, path = "/api/programs/{id}/sources", tag = "programs", params(("id" = i64, Path)), request_body = AddSource,
    responses((status = 201, body = Collaboration), (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, description = "Not your program, or not a marketplace source", body = ApiErrorBody),
              (status = 409, description = "`cooling_off`: declined or ended too recently", body = ApiErrorBody),
              (status = 422, description = "`duplicate`: the source is already in this program; `invalid`: the program holds as many sources as it may", body = ApiErrorBody)))]
async fn add_source(
    State(state): State<AppState>,
    Advertiser(advertiser): Advertiser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AddSource>,
) -> AppResult<(StatusCode, ApiJson<Collaboration>)> {
    let program = programs::get(&state.db, id, advertiser.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let started = collaborations::start(
        &state.db,
        &program,
        advertiser.id,
        input.traffic_source_id,
        None,
        Start::Invite,
        None,
        advertiser.id,
        cooling_off_ms(&state),
        state.config.max_sources_per_program,
    )
    .await?;
    match started {
        Ok(cid) => {
            state.webhooks.wake();
            let base = super::public_base_url(&state);
            let viewer = Viewer {
                id: advertiser.id,
                role: Role::Advertiser,
            };
            let c = collaborations::get(&state.db, cid, viewer, &base)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok((StatusCode::CREATED, ApiJson(c)))
        }
        Err(Refusal::AlreadyMember) => Err(AppError::Duplicate(FieldErrors::from([(
            "traffic_source_id".into(),
            "This source is already in this program.".into(),
        )]))),
        Err(Refusal::CoolingOff) => Err(AppError::Conflict {
            code: "cooling_off",
            message:
                "This source was declined or left this program recently; invite it again later.",
        }),
        Err(refusal @ Refusal::AtCap(_)) => {
            Err(AppError::invalid("traffic_source_id", refusal.message()))
        }
        Err(_) => Err(AppError::NotFound),
    }
}
