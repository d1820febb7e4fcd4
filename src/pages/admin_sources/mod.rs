//! The staff admin area: `/admin/traffic-sources`, every source of every partner with search,
//! filters (status incl. Blocked, visibility, channel, partner), sort and paging in the URL,
//! Block and Unblock from each row; and `/admin/traffic-sources/:id`, one source with its block
//! details, the programs using it and its audit history.
//!
//! Everything here sits behind `RequireStaff`: other roles get a plain "not allowed" page, and
//! the server refuses them every admin call anyway.
//!
//! `table` is the list screen, with its `partner_filter`, one `row` per source and the
//! `actions` staff take on them (a module of its own); `detail` is one source's page. This file holds what they share: the guard and the table's URL state.

pub mod actions;
mod detail;
mod partner_filter;
mod row;
mod table;

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::{
    components::{Redirect, A},
    params::ParamsMap,
    NavigateOptions,
};
use model::Role;

use crate::{
    api::query_string,
    components::{focus_id, list_controls::ListState, set_title},
    session::{use_session, RequireRole, SessionState},
};

pub use detail::AdminSource;
pub use table::AdminSources;

pub const ADMIN_PATH: &str = "/admin/traffic-sources";
const STAFF: &[Role] = &[Role::Staff];

/// Staff only. Signed-out visitors go to sign-in (and come back); partners and advertisers are
/// told plainly that the page is not for them. Nothing is shown before the session is known,
/// so a reload never flashes either page.
#[component]
pub fn RequireStaff(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let wrong_role = Memo::new(
        move |_| matches!(&*session.state().read(), SessionState::SignedIn(a) if a.role != Role::Staff),
    );
    let children = StoredValue::new(children);
    move || {
        if wrong_role.get() {
            view! { <NotAllowed/> }.into_any()
        } else {
            view! { <RequireRole roles=STAFF>{children.read_value()()}</RequireRole> }.into_any()
        }
    }
}

/// What a partner or advertiser sees at an admin address.
#[component]
pub fn NotAllowed() -> impl IntoView {
    set_title("Not allowed");
    view! {
        <section class="page narrow">
            <h1>"You can't open this page"</h1>
            <p>"This part of the platform is for platform staff only. Your account doesn't have access to it."</p>
            <p><A href="/" attr:class="button button--primary">"Go to your home page"</A></p>
        </section>
    }
}

/// `/admin`: the admin area starts at the sources table.
#[component]
pub fn AdminHome() -> impl IntoView {
    view! {
        <RequireStaff>
            <Redirect path=ADMIN_PATH options=NavigateOptions { replace: true, ..Default::default() }/>
        </RequireStaff>
    }
}

/// The admin table's state: the list state shared with the partner's table, plus a partner.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AdminState {
    pub list: ListState,
    pub partner: Option<i64>,
}

impl AdminState {
    pub fn from_params(params: &ParamsMap) -> AdminState {
        AdminState {
            list: ListState::from_params(params),
            partner: params
                .get("partner")
                .and_then(|p| p.parse::<i64>().ok())
                .filter(|p| *p > 0),
        }
    }

    pub fn href(&self) -> String {
        let mut pairs = self.list.query.to_pairs();
        if let Some(p) = self.partner {
            pairs.push(("partner", p.to_string()));
        }
        for p in &self.list.prev {
            pairs.push(("prev", p.clone()));
        }
        if pairs.is_empty() {
            ADMIN_PATH.to_string()
        } else {
            format!("{ADMIN_PATH}?{}", query_string(&pairs))
        }
    }

    pub fn is_filtered(&self) -> bool {
        self.list.query.is_filtered() || self.partner.is_some()
    }

    /// No search and no filters, same sort and page size, first page.
    pub fn cleared(&self) -> AdminState {
        AdminState {
            list: self.list.clone().cleared(),
            partner: None,
        }
    }
}

/// Runs after the view has updated: focuses the element with this id.
pub(super) fn focus_soon(id: String) {
    set_timeout(move || focus_id(&id), Duration::from_millis(30));
}
