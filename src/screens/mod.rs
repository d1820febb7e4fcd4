//! Screens that download on first use. Each role's first screen is a wasm module of its own, and
//! the screens a role reaches later share one module per area, so a partner never downloads the
//! staff screens and a staff member's first screen does not wait for the partner's form.
//!
//! The split is made by `wasm-split-cli` after cargo links the app (scripts/wasm-split-hook.sh,
//! run by trunk for every build). It needs the `split` feature, which trunk's build turns on
//! (index.html); without it (the component tests) a screen is an ordinary call.
//!
//! A route starts its screen's download as soon as it matches, alongside the session check,
//! instead of after it: on a slow link the two round trips overlap.
//!
//! A part of a first screen that its first paint does not need (the marketplace's "Add to
//! program" dialog, the staff table's bulk bar and Block dialogs) waits in the module of its
//! role's later screens, fetched once the screen is shown (`part!`): so those screens are
//! ready before they are opened, and one split point fewer per part keeps the shared code in
//! fewer, larger chunks (each split point cuts it further, wasm-split-prototype#65).
//!
//! The partner's later screens have no such part: their module starts coming when a link to one
//! of them is pointed at, touched or focused ([`warm_partner_screens`]).

#[macro_use]
mod load;

use leptos::prelude::*;

#[cfg(feature = "split")]
use crate::pages::admin_sources::actions::BulkBarPending;
#[cfg(feature = "split")]
use load::{deferred, finish_now};
pub use load::{ChunkFailed, Screen};

use crate::components::add_to_program::AddToProgramDialog;
use crate::pages::{
    admin_review::{ReviewEvidencePage, ReviewQueue},
    admin_sources::{
        actions::{AdminTableActions, TableActions},
        AdminSource, AdminSources,
    },
    applications::Applications,
    marketplace::Marketplace,
    notifications::Notifications,
    onboarding::Onboarding,
    partner_programs::PartnerPrograms,
    program::ProgramPage,
    programs::Programs,
    sign_up::SignUp,
    source_form::{EditSource, NewSource},
    source_page::SourcePage,
    sources_list::SourcesList,
    webhooks::Webhooks,
};

// Each role's first screen, alone.
screen!(
    sources_list,
    sources_list,
    split_sources_list,
    preload_sources_list,
    view! { <SourcesList/> }
);
screen!(
    marketplace,
    marketplace,
    split_marketplace,
    preload_marketplace,
    view! { <Marketplace/> }
);
screen!(
    admin_sources,
    admin_sources,
    split_admin_sources,
    preload_admin_sources,
    view! { <AdminSources/> }
);

// The partner's other screens.
screen!(
    partner,
    new_source,
    split_new_source,
    preload_new_source,
    view! { <NewSource/> }
);
screen!(
    partner,
    edit_source,
    split_edit_source,
    preload_edit_source,
    view! { <EditSource/> }
);
screen!(
    partner,
    source_page,
    split_source_page,
    preload_source_page,
    view! { <SourcePage/> }
);
screen!(
    partner,
    onboarding,
    split_onboarding,
    preload_onboarding,
    view! { <Onboarding/> }
);

// The partner's programs: the directory and their collaborations, in the same module.
screen!(
    partner,
    partner_programs,
    split_partner_programs,
    preload_partner_programs,
    view! { <PartnerPrograms/> }
);

// The advertiser's other screens.
screen!(
    advertiser,
    programs,
    split_programs,
    preload_programs,
    view! { <Programs/> }
);
screen!(
    advertiser,
    program,
    split_program,
    preload_program,
    view! { <ProgramPage/> }
);

screen!(
    advertiser,
    applications,
    split_applications,
    preload_applications,
    view! { <Applications/> }
);

// Staff's other screens.
screen!(
    staff,
    admin_source,
    split_admin_source,
    preload_admin_source,
    view! { <AdminSource/> }
);
screen!(
    staff,
    review_queue,
    split_review_queue,
    preload_review_queue,
    view! { <ReviewQueue/> }
);
screen!(
    staff,
    review_evidence,
    split_review_evidence,
    preload_review_evidence,
    view! { <ReviewEvidencePage/> }
);

// Screens any role opens now and then.
screen!(
    rare,
    notifications,
    split_notifications,
    preload_notifications,
    view! { <Notifications/> }
);
screen!(
    rare,
    sign_up,
    split_sign_up,
    preload_sign_up,
    view! { <SignUp/> }
);

// Partners' and advertisers' webhook settings: with the screens any role opens now and then,
// not in a module of their own: a module more cut the code the first screens share into more
// chunks, and each role's first screen grew by 2.0-3.0 KB gzip (7 to 13 more files).
screen!(
    rare,
    webhooks,
    split_webhooks,
    preload_webhooks,
    view! { <Webhooks/> }
);

// Parts of the first screens that wait until the screen is shown, each in its role's module
// of later screens.
part!(
    advertiser,
    add_to_program,
    split_add_to_program,
    preload_add_to_program,
    (source: RwSignal<Option<model::program::MarketplaceSource>>),
    view! { <AddToProgramDialog source/> }
);
part!(
    staff,
    admin_table_actions,
    split_admin_table_actions,
    preload_admin_table_actions,
    (actions: TableActions),
    view! { <AdminTableActions actions/> },
    pending: view! { <BulkBarPending actions/> }
);

/// Starts downloading the partner's later screens (a source's page, its forms, onboarding)
/// when `event` shows the partner about to open one: a link to one pointed at, touched or
/// focused. The click that follows finds the module here, or on its way. Not when the browser
/// is idle after the table, as the other roles' parts are: the module's instantiation then
/// fell in Lighthouse's mobile window (BENCHMARKS, "Tried and undone"). Once per visit; the
/// screen's own download, at the click, tries again if this one failed.
pub fn warm_partner_screens(event: &web_sys::Event) {
    #[cfg(feature = "split")]
    {
        use wasm_bindgen::JsCast;
        thread_local!(static WARMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
        let towards_one = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| {
                e.closest("a[href^='/traffic-sources/'], a[href^='/partner-programs']")
                    .ok()
                    .flatten()
            })
            .is_some();
        if towards_one && !WARMED.with(|w| w.replace(true)) {
            leptos::task::spawn_local(async {
                let _ = preload_source_page().await;
            });
        }
    }
    #[cfg(not(feature = "split"))]
    let _ = event;
}

/// Keeps in the main module the code that all three first screens use (the list filters,
/// paging and sort headers; not the live figures only the partner's and staff's tables use:
/// kept here, they cost the advertiser 1.5 KB for 1 KB less each for the other two): a signed-in user downloads one of those screens at once, so this
/// code is always needed, and left to the splitter it becomes some twenty small chunks, each
/// its own request, gzip stream and instantiation (wasm-split-prototype#65). Taking the
/// functions' addresses here makes them reachable from the main module; nothing calls this
/// at run time beyond the `black_box`.
#[cfg(feature = "split")]
pub fn keep_first_screens_shared_code_in_main() {
    use crate::components::list_controls::{Filters, ListState, PageSize};
    use crate::components::{data_table, format_datetime, traffic_panel::match_rate_cell};
    if std::hint::black_box(false) {
        std::hint::black_box((
            Filters as fn(_) -> _,
            PageSize as fn(_) -> _,
            data_table::SortHeader as fn(_) -> _,
            data_table::Pagination as fn(_) -> _,
            data_table::sort_caption as fn(_, _) -> _,
            ListState::from_params as fn(_) -> _,
            ListState::next_page as fn(_, _) -> _,
            ListState::prev_page as fn(_) -> _,
            format_datetime as fn(_) -> _,
            match_rate_cell as fn(_) -> _,
        ));
    }
}
