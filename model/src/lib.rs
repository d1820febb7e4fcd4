//! The contract between the Traffic Sources server and its single-page app.
//!
//! Every request and response body of the JSON API is a type here, and every rule of
//! the product's field table is a function here, so the browser validates as you type
//! with exactly the rules the server enforces. Nothing in this crate does I/O.

pub mod account;
pub mod audit;
pub mod channel;
pub mod error;
pub mod list;
pub mod live;
pub mod notification;
pub mod program;
pub mod review;
pub mod source;
pub mod text;
pub mod traffic;
pub mod url;
pub mod verification;
pub mod webhook;

pub use account::{Account, Role, SignIn, SignUp};
pub use channel::{Channel, ChannelInfo};
pub use error::{ApiError, ApiErrorBody, FieldErrors};
pub use list::{Page, Sort, SortField};
pub use source::{SourceInput, SourceUpdate, Status, TrafficSource, ValidSource, Visibility};

/// Derives `utoipa::ToSchema` only when the server builds this crate with `openapi`.
#[macro_export]
#[doc(hidden)]
macro_rules! schema {
    ($item:item) => {
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        $item
    };
}

/// `Deserialize` for a unit enum from its id, the string its derived `Serialize` writes:
/// `deserialize_by_id!(Status { Active = "active", Paused = "paused" })`. A JSON string is
/// read as serde's derive reads it, and an unknown one answers serde's words ("unknown variant
/// `x`, expected one of `active`, `paused`"). Why not the derive: the web app deserialises
/// these enums before each role's first screen, and the derive's enum machinery is about 1.1 KB
/// of wasm per enum (the map form `{"active": null}` that it also takes is not needed).
#[macro_export]
#[doc(hidden)]
macro_rules! deserialize_by_id {
    ($ty:ident { $($variant:ident = $id:literal),+ $(,)? }) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                const IDS: &[&str] = &[$($id),+];
                let id = <String as serde::Deserialize>::deserialize(deserializer)?;
                match id.as_str() {
                    $($id => Ok($ty::$variant),)+
                    other => Err(serde::de::Error::unknown_variant(other, IDS)),
                }
            }
        }
    };
}
