//! The one error type of the API. It alone decides status codes and bodies; it logs
//! unexpected failures and never sends database or internal text to the client.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use model::{ApiError, ApiErrorBody, FieldErrors};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("not signed in")]
    Unauthenticated,
    #[error("wrong email or password")]
    WrongCredentials,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("source is blocked")]
    SourceBlocked,
    #[error("not found")]
    NotFound,
    #[error("version conflict")]
    VersionConflict,
    /// 409 for a request that clashes with the current state, with its own code
    /// (e.g. `already_blocked`).
    #[error("conflict: {code}")]
    Conflict {
        code: &'static str,
        message: &'static str,
    },
    #[error("duplicate")]
    Duplicate(FieldErrors),
    #[error("invalid fields")]
    Invalid(FieldErrors),
    #[error("too large")]
    TooLarge,
    #[error("too many attempts")]
    TooManyAttempts { retry_after_secs: i64 },
    #[error("too many live streams")]
    TooManyStreams,
    /// 429 past a rate limit other than sign-in's, with its own sentence.
    #[error("rate limited")]
    RateLimited {
        message: String,
        retry_after_secs: i64,
    },
    /// 503: a resource of this instance is at its ceiling (password hashes in flight);
    /// come back after `Retry-After`.
    #[error("busy")]
    Busy {
        message: String,
        retry_after_secs: i64,
    },
    /// 503: the call ran past `--request-timeout-secs`.
    #[error("timed out")]
    TimedOut,
    /// 408: the body did not arrive within `--body-timeout-secs`.
    #[error("body too slow")]
    BodyTimeout,
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        AppError::Invalid(FieldErrors::from([(field.to_string(), message.into())]))
    }

    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            AppError::Malformed(m) => (StatusCode::BAD_REQUEST, "malformed", m.clone()),
            AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated", "Sign in to continue.".into()),
            AppError::WrongCredentials => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "That email and password do not match an account.".into(),
            ),
            AppError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", (*m).into()),
            AppError::SourceBlocked => (
                StatusCode::FORBIDDEN,
                "source_blocked",
                "This traffic source is blocked; only platform staff can lift the block.".into(),
            ),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not_found", "Not found.".into()),
            AppError::VersionConflict => (
                StatusCode::CONFLICT,
                "version_conflict",
                "Someone else changed this traffic source after you opened it. Reload it to see the changes.".into(),
            ),
            AppError::Conflict { code, message } => (StatusCode::CONFLICT, code, (*message).into()),
            AppError::Duplicate(_) => (StatusCode::UNPROCESSABLE_ENTITY, "duplicate", "That already exists.".into()),
            AppError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", "Some fields need attention.".into()),
            AppError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", "The request body is larger than 64 KiB.".into()),
            AppError::TooManyAttempts { retry_after_secs } => {
                let minutes = (retry_after_secs + 59) / 60;
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    format!(
                        "Too many wrong passwords for this email from your network. Try again in {} minute{}.",
                        minutes.max(1),
                        if minutes > 1 { "s" } else { "" }
                    ),
                )
            }
            AppError::TooManyStreams => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_streams",
                "Too many live connections are open for this account. Close a few tabs of this site and try again.".into(),
            ),
            AppError::RateLimited { message, .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited", message.clone()),
            AppError::Busy { message, .. } => (StatusCode::SERVICE_UNAVAILABLE, "busy", message.clone()),
            AppError::TimedOut => (
                StatusCode::SERVICE_UNAVAILABLE,
                "timed_out",
                "The server took too long to answer. Try again in a moment.".into(),
            ),
            AppError::BodyTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "The request arrived too slowly and was cut off. Try again.".into(),
            ),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Something went wrong on our side. Please try again.".into()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let (status, code, message) = self.parts();
        let fields = match &self {
            AppError::Duplicate(f) | AppError::Invalid(f) => f.clone(),
            _ => FieldErrors::new(),
        };
        let body = ApiErrorBody {
            error: ApiError {
                code: code.into(),
                message,
                fields,
            },
        };
        let mut response = (status, Json(body)).into_response();
        let retry_after = match &self {
            AppError::TooManyAttempts { retry_after_secs }
            | AppError::RateLimited {
                retry_after_secs, ..
            }
            | AppError::Busy {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            AppError::TimedOut => Some(5),
            _ => None,
        };
        if let Some(retry_after_secs) = retry_after {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> AppError {
        if let Some(message) = crate::db::unavailable(&err) {
            // A passing state, not a bug: the caller is told to come back.
            tracing::warn!(error = %err, "the database is unavailable; answered 503");
            return AppError::Busy {
                message: message.into(),
                retry_after_secs: 2,
            };
        }
        AppError::Internal(format!("database: {err}"))
    }
}

impl From<serde_json::Error> for AppError {
    fn from(err: serde_json::Error) -> AppError {
        AppError::Internal(format!("json: {err}"))
    }
}
