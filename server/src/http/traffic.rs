//! Traffic evidence: a source's traffic (its partner and staff), a program's (its
//! advertiser), and one click by the `click_id` its redirect carried (the program's
//! advertiser and staff), for attributing a conversion.

use super::path::Path;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use model::traffic::{parse_period, Click, Period, ProgramTraffic, SourceTraffic, TrafficDay};
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
        .routes(routes!(source_traffic_csv))
        .routes(routes!(program_traffic))
        .routes(routes!(program_traffic_csv))
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
    let url = viewable_source_url(&state, &viewer, id).await?;
    Ok(ApiJson(
        traffic::source_traffic(&state.db, id, &url, period).await?,
    ))
}

/// The declared URL of a source `viewer` may see the traffic of: partners their own (another
/// partner's is "not found"), staff any.
async fn viewable_source_url(
    state: &AppState,
    viewer: &model::Account,
    id: i64,
) -> AppResult<String> {
    match crate::db::sources::owner_and_url(&state.db, id).await? {
        Some((partner_id, url)) if viewer.role == Role::Staff || partner_id == viewer.id => Ok(url),
        _ => Err(AppError::NotFound),
    }
}

/// The same series as `GET …/traffic`, as a CSV file to download: one row per day (or hour)
/// of the period, oldest first, with the columns `start` (`YYYY-MM-DD`, or the hour's start
/// in RFC 3339 UTC), `redirected`, `refused`, `bots` and `visitors`.
#[utoipa::path(get, path = "/api/traffic-sources/{id}/traffic.csv", tag = "traffic", params(("id" = i64, Path), TrafficParams),
    responses((status = 200, content_type = "text/csv", body = String, description = "The series as CSV"),
              (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
              (status = 403, description = "Advertisers see traffic through their programs", body = ApiErrorBody),
              (status = 404, description = "No such source, or another partner's", body = ApiErrorBody)))]
async fn source_traffic_csv(
    State(state): State<AppState>,
    PartnerOrStaff(viewer): PartnerOrStaff,
    Path(id): Path<i64>,
    Query(params): Query<TrafficParams>,
) -> AppResult<Response> {
    let period = period(&params)?;
    let url = viewable_source_url(&state, &viewer, id).await?;
    let t = traffic::source_traffic(&state.db, id, &url, period).await?;
    let rows = t.series.iter().map(|d| (None, d));
    csv_file(&format!("traffic-source-{id}-{}", period.id()), &[], rows)
}

/// The traffic of each source in your program, as a daily (or, with `hours`, hourly)
/// series per source.
#[utoipa::path(get, path = "/api/programs/{id}/traffic", tag = "traffic", params(("id" = i64, Path), TrafficParams),
    responses((status = 200, body = ProgramTraffic), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
              (status = 403, body = ApiErrorBody), (status = 404, description = "No such program, or another advertiser's", body = ApiErrorBody)))]
async fn program_traffic(
    State(state): State<AppState>,
    Advertiser(advertiser): Advertiser,
    Path(id): Path<i64>,
    Query(params): Query<TrafficParams>,
) -> AppResult<ApiJson<ProgramTraffic>> {
    let period = period(&params)?;
    let collaborations = own_program_traffic(&state, &advertiser, id, period).await?;
    let (days, hours) = traffic::lengths(period);
    Ok(ApiJson(ProgramTraffic {
        program_id: id,
        days,
        hours,
        collaborations,
    }))
}

/// Each source's series in `advertiser`'s program `id` (another's is "not found").
async fn own_program_traffic(
    state: &AppState,
    advertiser: &model::Account,
    id: i64,
    period: Period,
) -> AppResult<Vec<model::traffic::CollaborationTraffic>> {
    programs::get(&state.db, id, advertiser.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let base = super::public_base_url(state);
    let links = programs::collaborations(&state.db, id, &base).await?;
    Ok(traffic::program_traffic(&state.db, id, &links, period).await?)
}

/// The same series as `GET …/traffic`, as a CSV file to download: one row per source and day
/// (or hour), with the columns `traffic_source_id`, `source_name`, `start` (`YYYY-MM-DD`, or
/// the hour's start in RFC 3339 UTC), `redirected`, `refused`, `bots` and `visitors`.
#[utoipa::path(get, path = "/api/programs/{id}/traffic.csv", tag = "traffic", params(("id" = i64, Path), TrafficParams),
    responses((status = 200, content_type = "text/csv", body = String, description = "The series as CSV"),
              (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
              (status = 403, body = ApiErrorBody), (status = 404, description = "No such program, or another advertiser's", body = ApiErrorBody)))]
async fn program_traffic_csv(
    State(state): State<AppState>,
    Advertiser(advertiser): Advertiser,
    Path(id): Path<i64>,
    Query(params): Query<TrafficParams>,
) -> AppResult<Response> {
    let period = period(&params)?;
    let collaborations = own_program_traffic(&state, &advertiser, id, period).await?;
    let rows = collaborations.iter().flat_map(|c| {
        c.series
            .iter()
            .map(move |d| (Some((c.traffic_source_id, c.source_name.as_str())), d))
    });
    csv_file(
        &format!("traffic-program-{id}-{}", period.id()),
        &["traffic_source_id", "source_name"],
        rows,
    )
}

/// A series as a CSV download named `{name}.csv`: `leading` columns (a source's id and name,
/// when the rows carry one), then the period's start and its counts.
fn csv_file<'a>(
    name: &str,
    leading: &[&str],
    rows: impl Iterator<Item = (Option<(i64, &'a str)>, &'a TrafficDay)>,
) -> AppResult<Response> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = leading.to_vec();
    header.extend([
        "start",
        "redirected",
        "refused",
        "bots",
        "visitors",
        "valid",
        "invalid_bot",
        "invalid_prefetch",
        "invalid_duplicate",
        "invalid_velocity",
        "invalid_refused",
    ]);
    let failed = |e: csv::Error| AppError::Internal(e.to_string());
    out.write_record(&header).map_err(failed)?;
    for (source, d) in rows {
        let mut cells: Vec<String> = Vec::with_capacity(7);
        if let Some((id, source_name)) = source {
            cells.push(id.to_string());
            cells.push(super::export::defuse(source_name).into_owned());
        }
        cells.push(d.hour.clone().unwrap_or_else(|| d.day.clone()));
        let i = d.invalid;
        for n in [
            d.redirected,
            d.refused,
            d.bots,
            d.visitors,
            d.valid,
            i.bot,
            i.prefetch,
            i.duplicate,
            i.velocity,
            i.refused,
        ] {
            cells.push(n.to_string());
        }
        out.write_record(&cells).map_err(failed)?;
    }
    let body = out
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        super::export::download_headers(&format!("{name}.csv")),
        body,
    )
        .into_response())
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
