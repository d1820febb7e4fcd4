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
