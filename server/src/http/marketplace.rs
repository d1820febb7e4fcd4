//! The marketplace: every partner's Active and Public sources, for advertisers and staff.
//! Nothing else is ever listed or readable here, not even by id.

use super::path::Path;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use model::program::MarketplaceSource;
use model::traffic::{VolumeBand, LIST_WINDOW_DAYS};
use model::verification::VerificationState;
use model::{
    Account, ApiErrorBody, Channel, Page, Role, Sort, SortField, Status, TrafficSource, Visibility,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::SignedIn;
use super::error::{AppError, AppResult};
use super::json::ApiJson;
use super::list_params::{ListParams, Query};
use crate::clicks::store::window_start;
use crate::db::{observed, sources};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_marketplace))
        .routes(routes!(get_marketplace_source))
}

pub const DEFAULT_SORT: Sort = Sort::new(SortField::Name, false);

/// A signed-in advertiser or staff member: the roles that browse the marketplace.
pub struct AdvertiserOrStaff(pub Account);

impl FromRequestParts<AppState> for AdvertiserOrStaff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let SignedIn(account) = SignedIn::from_request_parts(parts, state).await?;
        match account.role {
            Role::Advertiser | Role::Staff => Ok(AdvertiserOrStaff(account)),
            Role::Partner => Err(AppError::Forbidden(
                "The marketplace is for advertisers; partners manage their own traffic sources.",
            )),
        }
    }
}

/// The list parameters that make sense here: no status or visibility, which are fixed
/// (an unknown parameter such as `status` is ignored and can never widen the list).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MarketplaceParams {
    /// 1–100, default 25.
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Text to find in the name or URL.
    pub q: Option<String>,
    /// A channel id; repeat for several (a source matches when it has any of them).
    #[serde(default)]
    pub channel: Vec<String>,
    /// One partner's sources.
    pub partner_id: Option<String>,
    /// `name` (the default), `url`, `created_at` or `updated_at`; `-` in front for descending.
    pub sort: Option<String>,
    /// `true`: only sources whose partner proved control of the site.
    pub verified: Option<String>,
    /// `true`: only sources whose observed channels match those declared (see
    /// `observed_matches`); `false`: only those whose do not. A filtered page may hold
    /// fewer than `limit` rows; follow `next_cursor` while there is one.
    pub observed_matches: Option<String>,
}

fn listing(source: TrafficSource) -> MarketplaceSource {
    MarketplaceSource {
        id: source.id,
        partner_id: source.partner_id,
        partner_name: source.partner_name,
        name: source.name,
        url: source.url,
        channels: source.channels,
        volume_band: VolumeBand::of(source.clicks_30d),
        match_rate_30d: source.match_rate_30d,
        verified: source.verification_state == VerificationState::Verified,
        updated_at: source.updated_at,
        observed_channels: Vec::new(),
        observed_matches: None,
    }
}

/// Sets the observed bands and `observed_matches` of `rows` from 30 days of valid clicks.
async fn observe(state: &AppState, rows: &mut [MarketplaceSource]) -> AppResult<()> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let start = window_start(crate::time::now_ms(), LIST_WINDOW_DAYS);
    let mixes = observed::mixes_of_sources(&state.db, &ids, start).await?;
    for row in rows {
        (row.observed_channels, row.observed_matches) = observed::bands(
            mixes.get(&row.id).map_or(&[][..], Vec::as_slice),
            Channel::mask(&row.channels),
            state.config.review_undeclared_percent,
        );
    }
    Ok(())
}

/// Browse the marketplace: Active and Public sources of every partner.
#[utoipa::path(get, path = "/api/marketplace/traffic-sources", tag = "marketplace", params(MarketplaceParams),
    responses((status = 200, body = Page<MarketplaceSource>), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn list_marketplace(
    State(state): State<AppState>,
    _viewer: AdvertiserOrStaff,
    Query(params): Query<MarketplaceParams>,
) -> AppResult<ApiJson<Page<MarketplaceSource>>> {
    let params = ListParams {
        limit: params.limit,
        cursor: params.cursor,
        q: params.q,
        channel: params.channel,
        partner_id: params.partner_id,
        sort: params.sort,
        verified: params.verified,
        observed_matches: params.observed_matches,
        ..ListParams::default()
    };
    let mut list = params.parse(DEFAULT_SORT)?.observed(&state.config);
    list.filter.marketplace = true;
    let planned = sources::plan(&state.db, &list.filter).await?;
    let (page, next_cursor) = sources::list(
        &state.db,
        &planned,
        list.sort,
        list.cursor.as_ref(),
        list.limit,
    )
    .await?;
    let mut items: Vec<MarketplaceSource> = page.into_iter().map(listing).collect();
    observe(&state, &mut items).await?;
    Ok(ApiJson(Page {
        items,
        next_cursor,
        // Counting every public source is not cheap at scale.
        total: None,
    }))
}

/// One marketplace source. Any other source, paused, private or blocked, is 404.
#[utoipa::path(get, path = "/api/marketplace/traffic-sources/{id}", tag = "marketplace", params(("id" = i64, Path)),
    responses((status = 200, body = MarketplaceSource), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn get_marketplace_source(
    State(state): State<AppState>,
    _viewer: AdvertiserOrStaff,
    Path(id): Path<i64>,
) -> AppResult<ApiJson<MarketplaceSource>> {
    match sources::get(&state.db, id).await? {
        Some(s) if s.status == Status::Active && s.visibility == Visibility::Public => {
            let mut rows = [listing(s)];
            observe(&state, &mut rows).await?;
            let [row] = rows;
            Ok(ApiJson(row))
        }
        _ => Err(AppError::NotFound),
    }
}
