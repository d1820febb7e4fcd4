//! The one shape every list answers with, and the sort keys lists accept.

use serde::{Deserialize, Serialize};

/// A page of a list: `{"items": [...], "next_cursor": "…" | null, "total": n}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Opaque; pass it back as `cursor` for the next page. `null` on the last page.
    pub next_cursor: Option<String>,
    /// How many items match, where that is cheap to know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

pub const DEFAULT_LIMIT: i64 = 25;
pub const MAX_LIMIT: i64 = 100;

/// Parses the `limit` query parameter: 1–100, default 25.
pub fn parse_limit(raw: Option<&str>) -> Result<i64, String> {
    match raw {
        None | Some("") => Ok(DEFAULT_LIMIT),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(format!(
                "limit must be a whole number from 1 to {MAX_LIMIT}."
            )),
        },
    }
}

/// A column a list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortField {
    Name,
    Url,
    Status,
    CreatedAt,
    UpdatedAt,
}

impl SortField {
    pub const ALL: [SortField; 5] = [
        SortField::Name,
        SortField::Url,
        SortField::Status,
        SortField::CreatedAt,
        SortField::UpdatedAt,
    ];

    pub fn id(self) -> &'static str {
        match self {
            SortField::Name => "name",
            SortField::Url => "url",
            SortField::Status => "status",
            SortField::CreatedAt => "created_at",
            SortField::UpdatedAt => "updated_at",
        }
    }
}

/// `sort=name` (ascending) or `sort=-updated_at` (descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort {
    pub field: SortField,
    pub descending: bool,
}

impl Sort {
    pub const fn new(field: SortField, descending: bool) -> Sort {
        Sort { field, descending }
    }

    pub fn parse(raw: &str) -> Option<Sort> {
        let (descending, id) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        SortField::ALL
            .into_iter()
            .find(|f| f.id() == id)
            .map(|field| Sort { field, descending })
    }

    pub fn to_param(self) -> String {
        if self.descending {
            format!("-{}", self.field.id())
        } else {
            self.field.id().to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_round_trips() {
        for f in SortField::ALL {
            for d in [false, true] {
                let s = Sort::new(f, d);
                assert_eq!(Sort::parse(&s.to_param()), Some(s));
            }
        }
        assert_eq!(Sort::parse("password"), None);
    }

    #[test]
    fn limit_bounds() {
        assert_eq!(parse_limit(None), Ok(25));
        assert_eq!(parse_limit(Some("100")), Ok(100));
        assert!(parse_limit(Some("0")).is_err());
        assert!(parse_limit(Some("101")).is_err());
        assert!(parse_limit(Some("ten")).is_err());
    }
}
