//! `Path<T>`: axum's path extractor, with our error body. A path that does not parse (an
//! id past the 64-bit range, bad percent-encoding) is 400 in JSON like every other refusal,
//! not axum's plain-text rejection.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::AppError;

pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e| {
                AppError::Malformed(format!("The address is not valid: {}", e.body_text()))
            })
    }
}
