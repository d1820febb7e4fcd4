//! What every module's tests share: the page helpers and fake `fetch` of `tests/dom`, and a
//! signed-in session.

use model::{Account, Role};
use web::session::{Session, SessionState};

pub(crate) use crate::dom::*;

/// Someone of `role` signed in, as the session check would leave it.
pub(crate) fn signed_in(role: Role) {
    Session::provide_with(SessionState::SignedIn(Account {
        id: 3,
        email: "someone@example.com".into(),
        role,
        display_name: "Someone".into(),
    }));
}
