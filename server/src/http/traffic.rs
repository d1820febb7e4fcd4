//! Traffic evidence: a source's traffic (its partner and staff), a program's (its
//! advertiser), and one click by the `click_id` its redirect carried (the program's
//! advertiser and staff), for attributing a conversion.

use super::path::Path;
use axum::extract::State;
use axum::http::HeaderMap;
use model::traffic::{parse_period, Click, Period, ProgramTraffic, SourceTraffic};
use model::{ApiErrorBody, Role};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Advertiser, PartnerOrStaff, SignedIn};
use super::error::{AppError, AppResult};
use super::json::ApiJson;
use super::list_params::Query;
use crate::db::{programs, traffic};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(source_traffic))
        .routes(routes!(program_traffic))
        .routes(routes!(get_click))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrafficParams {
    /// How many days, ending today (UTC), day by day: 1–90, default 30.
    pub days: Option<String>,
    /// Or how many hours, ending with the current one (UTC), hour by hour: 1–48. Not with
    /// `days`.
    pub hours: Option<String>,
}

fn period(params: &TrafficParams) -> AppResult<Period> {
    parse_period(params.days.as_deref(), params.hours.as_deref()).map_err(AppError::Malformed)
}

/// A source's traffic: a daily (or, with `hours`, hourly) series of human clicks
/// redirected and refused, bots apart, where its human clicks came from against the
/// declared site, and its top referrers.
///
/// A referrer `match` means the browser came from a page of the declared site (same
/// registrable domain by the Public Suffix List). For a source on a shared platform
/// (`instagram.com/…`, `youtube.com/@…`) it means the click came from the platform, which
/// cannot show it was the partner's own profile. `none` (no referrer) is not fraud by
/// itself: browsers drop the referrer under `noreferrer` and from HTTPS to HTTP. Bots
/// (known user agents, or none) are counted apart and left out of every rate. Figures are
/// read from rollups that trail the clicks by about a second.
#[utoipa::path(get, path = "/api/traffic-sources/{id}/traffic", tag = "traffic", params(("id" = i64, Path), TrafficParams),
    responses((status = 200, body = SourceTraffic), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
              (status = 403, description = "Advertisers see traffic through their programs", body = ApiErrorBody),
              (status = 404, description = "No such source, or another partner's", body = ApiErrorBody)))]
async fn source_traffic(
    State(state): State<AppState>,
    PartnerOrStaff(viewer): PartnerOrStaff,
    Path(id): Path<i64>,
    Query(params): Query<TrafficParams>,
) -> AppResult<ApiJson<SourceTraffic>> {
    let period = period(&params)?;
    // Partners see their own sources' traffic; another partner's source is "not found".
    let url = match crate::db::sources::owner_and_url(&state.db, id).await? {
        Some((partner_id, url)) if viewer.role == Role::Staff || partner_id == viewer.id => url,
        _ => return Err(AppError::NotFound),
    };
    Ok(ApiJson(
        traffic::source_traffic(&state.db, id, &url, period).await?,
    ))
}

/// The traffic of each source in your program, as a daily (or, with `hours`, hourly)
/// series per source.
#[utoipa::path(get, path = "/api/programs/{id}/traffic", tag = "traffic", params(("id" = i64, Path), TrafficParams),
    responses((status = 200, body = ProgramTraffic), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
              (status = 403, body = ApiErrorBody), (status = 404, description = "No such program, or another advertiser's", body = ApiErrorBody)))]
async fn program_traffic(
    State(state): State<AppState>,
    Advertiser(advertiser): Advertiser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(params): Query<TrafficParams>,
) -> AppResult<ApiJson<ProgramTraffic>> {
    let period = period(&params)?;
    programs::get(&state.db, id, advertiser.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let base = super::public_base_url(&state, &headers);
    let links = programs::collaborations(&state.db, id, &base).await?;
    let collaborations = traffic::program_traffic(&state.db, id, &links, period).await?;
    let (days, hours) = traffic::lengths(period);
    Ok(ApiJson(ProgramTraffic {
        program_id: id,
        days,
        hours,
        collaborations,
    }))
}

/// One click by the `click_id` its redirect added to the landing URL: its source, program,
/// time, outcome, referrer host and class. For conversion attribution; a click is here
/// about a second after it was made.
#[utoipa::path(get, path = "/api/clicks/{click_id}", tag = "traffic", params(("click_id" = String, Path)),
    responses((status = 200, body = Click), (status = 401, body = ApiErrorBody),
              (status = 403, description = "Partners see their traffic on their sources", body = ApiErrorBody),
              (status = 404, description = "No such click in your programs", body = ApiErrorBody)))]
async fn get_click(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(click_id): Path<String>,
) -> AppResult<ApiJson<Click>> {
    if viewer.role == Role::Partner {
        return Err(AppError::Forbidden(
            "Partners see their traffic on each source's page.",
        ));
    }
    if !crate::codes::looks_like_code(&click_id) {
        return Err(AppError::NotFound);
    }
    match traffic::click(&state.db, &click_id).await? {
        Some((click, advertiser_id))
            if viewer.role == Role::Staff || advertiser_id == viewer.id =>
        {
            Ok(ApiJson(click))
        }
        _ => Err(AppError::NotFound),
    }
}
