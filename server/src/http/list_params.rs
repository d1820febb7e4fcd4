//! Query parameters shared by every source list: `limit`, `cursor`, `q`, `status`
//! (repeatable), `visibility`, `channel` (repeatable), `partner_id`, `sort`, `verified`
//! and `observed_matches`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use model::list::parse_limit;
use model::{Channel, Sort, Status, Visibility};
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::AppError;
use crate::db::sources::{Cursor, ListFilter, ObservedFilter};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// 1–100, default 25.
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Text to find in the name or URL.
    pub q: Option<String>,
    /// `active`, `paused` or `blocked`; repeat for several.
    #[serde(default)]
    pub status: Vec<String>,
    /// `public` or `private`.
    pub visibility: Option<String>,
    /// A channel id; repeat for several (a source matches when it has any of them).
    #[serde(default)]
    pub channel: Vec<String>,
    /// Staff only: one partner's sources.
    pub partner_id: Option<String>,
    /// `name`, `url`, `status`, `created_at` or `updated_at`; `-` in front for descending.
    pub sort: Option<String>,
    /// `true`: only sources whose partner proved control of the site; `false`: only the
    /// others.
    pub verified: Option<String>,
    /// `true`: only sources whose valid clicks of the last 30 days came through a declared
    /// channel at least 100 − `--review-undeclared-percent` percent of the time (70% by
    /// default); `false`: only those below it. Sources with too few clicks to judge match
    /// neither. Such a list answers no `total`, and a page may hold fewer than `limit` rows
    /// (even none) with a `next_cursor`: follow it while there is one.
    pub observed_matches: Option<String>,
}

/// The parameters after parsing: a bad value is refused with 400 naming the parameter.
pub struct ParsedList {
    pub filter: ListFilter,
    pub sort: Sort,
    pub cursor: Option<Cursor>,
    pub limit: i64,
    /// `observed_matches`, set into `filter.observed` by [`ParsedList::observed`].
    pub observed_matches: Option<bool>,
}

impl ParsedList {
    /// Puts the `observed_matches` filter into the list's filter with the share it needs
    /// (the one below which the review queue calls a channel undeclared).
    pub fn observed(mut self, config: &crate::config::Config) -> ParsedList {
        self.filter.observed = self.observed_matches.map(|matches| ObservedFilter {
            matches,
            min_share: 100u32.saturating_sub(config.review_undeclared_percent) as u8,
        });
        self
    }
}

fn yes_no(name: &str, value: Option<&str>) -> Result<Option<bool>, AppError> {
    match value {
        None | Some("") => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(v) => Err(bad(format!("{name} \"{v}\" is not true or false."))),
    }
}

fn bad(message: String) -> AppError {
    AppError::Malformed(message)
}

impl ListParams {
    pub fn parse(self, default_sort: Sort) -> Result<ParsedList, AppError> {
        let limit = parse_limit(self.limit.as_deref()).map_err(bad)?;
        let sort = match self.sort.as_deref() {
            None | Some("") => default_sort,
            Some(s) => Sort::parse(s).ok_or_else(|| bad(format!("sort \"{s}\" is not one of name, url, status, created_at, updated_at (with - for descending).")))?,
        };
        let statuses = self
            .status
            .iter()
            .map(|s| {
                Status::from_id(s)
                    .ok_or_else(|| bad(format!("status \"{s}\" is not active, paused or blocked.")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let visibility = match self.visibility.as_deref() {
            None | Some("") => None,
            Some(v) => Some(
                Visibility::from_id(v)
                    .ok_or_else(|| bad(format!("visibility \"{v}\" is not public or private.")))?,
            ),
        };
        let channels = self
            .channel
            .iter()
            .map(|c| {
                Channel::from_id(c)
                    .ok_or_else(|| bad(format!("channel \"{c}\" is not a channel we know.")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let partner_id = match self.partner_id.as_deref() {
            None | Some("") => None,
            Some(p) => Some(
                p.parse::<i64>()
                    .map_err(|_| bad("partner_id must be a number.".into()))?,
            ),
        };
        let cursor = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(c) => Some(Cursor::decode(c, sort).ok_or_else(|| bad("cursor is not valid for this list and sort order; start again from the first page.".into()))?),
        };
        let verified = yes_no("verified", self.verified.as_deref())?;
        let observed_matches = yes_no("observed_matches", self.observed_matches.as_deref())?;
        let q = self.q.filter(|q| !q.trim().is_empty());
        if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
            return Err(bad("q must be at most 200 characters.".into()));
        }
        Ok(ParsedList {
            filter: ListFilter {
                partner_id,
                marketplace: false,
                q,
                statuses,
                visibility,
                channels,
                verified,
                observed: None,
            },
            sort,
            cursor,
            limit,
            observed_matches,
        })
    }
}

/// `axum_extra`'s query extractor (it reads repeated keys), with our error body.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum_extra::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e| {
                AppError::Malformed(format!("The query string is not valid: {}", e.body_text()))
            })
    }
}

/// The `cursor` of a list paged by id (newest first): the last id seen, or none for the
/// first page; anything else is a 400.
pub fn id_cursor(cursor: Option<&str>) -> Result<Option<i64>, AppError> {
    match cursor {
        None | Some("") => Ok(None),
        Some(c) => c
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::Malformed("cursor is not valid for this list.".into())),
    }
}
