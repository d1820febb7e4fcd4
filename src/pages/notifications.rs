//! `/notifications`: the signed-in person's notifications, newest first, for every role.
//! Unread ones say "Unread" in words (not only in colour); each can be marked read, or all at
//! once. Paging (forward cursors, with the pages before kept for Previous) is in the URL.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map, params::ParamsMap};
use model::{
    notification::{Notification, NotificationPage},
    Role,
};

use crate::{
    api::{self, query_string},
    components::{
        data_table::Pagination,
        focus_id, format_datetime,
        load::{Load, Loader},
        notice::LoadError,
        notification_bell::use_unread,
        set_title,
        toast::use_toasts,
    },
    session::{use_session, PageLoading, SessionState},
};

const PATH: &str = "/notifications";
const PAGE_SIZE: i64 = 20;

/// Which page of notifications: the URL's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NotificationsState {
    pub cursor: Option<String>,
    /// Cursors of the pages before ("" is the first).
    pub prev: Vec<String>,
}

impl NotificationsState {
    pub fn from_params(params: &ParamsMap) -> NotificationsState {
        let cursor = params.get("cursor").filter(|c| !c.is_empty());
        let prev = if cursor.is_some() {
            params.get_all("prev").unwrap_or_default()
        } else {
            Vec::new()
        };
        NotificationsState { cursor, prev }
    }

    pub fn href(&self) -> String {
        let mut pairs = Vec::new();
        if let Some(c) = &self.cursor {
            pairs.push(("cursor", c.clone()));
        }
        for p in &self.prev {
            pairs.push(("prev", p.clone()));
        }
        if pairs.is_empty() {
            PATH.into()
        } else {
            format!("{PATH}?{}", query_string(&pairs))
        }
    }

    fn next(&self, cursor: &str) -> NotificationsState {
        let mut prev = self.prev.clone();
        prev.push(self.cursor.clone().unwrap_or_default());
        NotificationsState {
            cursor: Some(cursor.to_string()),
            prev,
        }
    }

    fn previous(&self) -> Option<NotificationsState> {
        let mut prev = self.prev.clone();
        let cursor = prev.pop()?;
        Some(NotificationsState {
            cursor: (!cursor.is_empty()).then_some(cursor),
            prev,
        })
    }
}

/// Where a notification about a source leads for the reader's role, and the link's words.
fn source_link(role: Option<Role>, source_id: i64) -> Option<(String, &'static str)> {
    match role? {
        Role::Staff => Some((
            format!("/admin/traffic-sources/{source_id}"),
            "View the traffic source",
        )),
        Role::Partner => Some((
            format!("/traffic-sources/{source_id}"),
            "View the traffic source",
        )),
        // Advertisers have no page per source: the programs it is in are what they act on.
        Role::Advertiser => Some((
            format!("/programs?source={source_id}"),
            "See your programs that use it",
        )),
    }
}

#[component]
pub fn Notifications() -> impl IntoView {
    set_title("Notifications");
    let params = use_query_map();
    let state = Memo::new(move |_| params.with(NotificationsState::from_params));
    let page = Loader::new(move || {
        let cursor = state.with(|s| s.cursor.clone());
        async move { api::list_notifications(cursor.as_deref(), PAGE_SIZE).await }
    });
    view! {
        <section class="page notifications-page">
            {move || match page.state.get() {
                Load::Loading => view! { <h1>"Notifications"</h1><PageLoading/> }.into_any(),
                Load::Failed(error) => view! {
                    <h1>"Notifications"</h1>
                    <LoadError error title="Couldn't load your notifications" on_retry=page.retry()/>
                }
                .into_any(),
                Load::Loaded(page) => view! { <NotificationList page state/> }.into_any(),
            }}
            // Staff receive no notifications of these kinds, so no emails either.
            {(use_session().role() != Some(Role::Staff))
                .then(|| view! { <crate::components::email_setting::EmailSetting/> })}
        </section>
    }
}

#[component]
fn NotificationList(page: NotificationPage, state: Memo<NotificationsState>) -> impl IntoView {
    let session = use_session();
    let toasts = use_toasts();
    let unread = use_unread();
    unread.set(page.unread_count);
    let unread_here = RwSignal::new(page.unread_count);
    let items = RwSignal::new(page.items);
    let problem = RwSignal::new(None::<String>);
    let marking_all = RwSignal::new(false);
    let role = session.state().with_untracked(|s| match s {
        SessionState::SignedIn(a) => Some(a.role),
        _ => None,
    });

    let mark_all = move |_| {
        if marking_all.get_untracked() {
            return;
        }
        marking_all.set(true);
        problem.set(None);
        leptos::task::spawn_local(async move {
            let result = api::mark_all_notifications_read().await;
            marking_all.set(false);
            match result {
                Ok(()) => {
                    let now = String::from(js_sys::Date::new_0().to_iso_string());
                    items.update(|list| {
                        for n in list.iter_mut().filter(|n| n.read_at.is_none()) {
                            n.read_at = Some(now.clone());
                        }
                    });
                    unread_here.set(0);
                    unread.set(0);
                    toasts.success("All notifications are marked as read.");
                    focus_id("notifications-title");
                }
                Err(e) if e.is_unauthenticated() => session.signed_out(),
                Err(e) => problem.set(Some(e.message())),
            }
        });
    };
    let mark_one = Callback::new(move |id: i64| {
        problem.set(None);
        leptos::task::spawn_local(async move {
            match api::mark_notification_read(id).await {
                Ok(read) => {
                    items.update(|list| {
                        if let Some(n) = list.iter_mut().find(|n| n.id == id) {
                            *n = read;
                        }
                    });
                    unread_here.update(|n| *n = (*n - 1).max(0));
                    unread.set(unread_here.get_untracked());
                    // The button is gone: keep the reader's place on the item (once redrawn).
                    set_timeout(
                        move || focus_id(&format!("notification-{id}")),
                        std::time::Duration::from_millis(30),
                    );
                }
                Err(e) if e.is_unauthenticated() => session.signed_out(),
                Err(e) => problem.set(Some(e.message())),
            }
        });
    });

    let current = state.get_untracked();
    let first_row = current.prev.len() as i64 * PAGE_SIZE + 1;
    let rows = items.with_untracked(Vec::len) as i64;
    let prev_href = current.previous().map(|s| s.href());
    let next_href = page.next_cursor.as_deref().map(|c| current.next(c).href());
    let empty = rows == 0 && current.cursor.is_none();
    let summary = move || match unread_here.get() {
        0 => "You have no unread notifications.".to_string(),
        1 => "You have 1 unread notification.".to_string(),
        n => format!("You have {n} unread notifications."),
    };

    view! {
        <div class="page__head">
            <h1 id="notifications-title" tabindex="-1">"Notifications"</h1>
            {move || {
                (unread_here.get() > 0).then(|| {
                    view! {
                        <button
                            type="button"
                            class="button"
                            aria-disabled=move || marking_all.get().to_string()
                            on:click=mark_all
                        >
                            "Mark all as read"
                        </button>
                    }
                })
            }}
        </div>
        {move || problem.get().map(|p| view! { <p class="alert alert--error" role="alert">{p}</p> })}
        {if empty {
            view! {
                <div class="empty">
                    <h2>"No notifications yet"</h2>
                    <p>"When platform staff block or unblock a traffic source that concerns you, you'll be told here."</p>
                </div>
            }
            .into_any()
        } else {
            view! {
                <p class="notifications__summary">{summary}</p>
                <ol class="notifications" aria-labelledby="notifications-title">
                    {move || items.get().into_iter().map(|n| view! { <NotificationItem n role mark_one/> }).collect_view()}
                </ol>
                <div class="table-foot">
                    <Pagination first_row rows total=None prev_href next_href/>
                </div>
            }
            .into_any()
        }}
    }
}

#[component]
fn NotificationItem(n: Notification, role: Option<Role>, mark_one: Callback<i64>) -> impl IntoView {
    let unread = n.read_at.is_none();
    let id = n.id;
    let message_id = format!("notification-{id}-message");
    let link = n
        .traffic_source_id
        .and_then(|sid| source_link(role, sid))
        .map(|(href, words)| view! { <A href=href attr:class="notification__link">{words}</A> });
    let pending = RwSignal::new(false);
    let action = unread.then(|| {
        view! {
            <button
                type="button"
                class="button button--small"
                aria-describedby=message_id.clone()
                aria-disabled=move || pending.get().to_string()
                on:click=move |_| {
                    if !pending.get_untracked() {
                        pending.set(true);
                        mark_one.run(id);
                    }
                }
            >
                "Mark as read"
            </button>
        }
    });
    view! {
        <li
            class="notification"
            class:notification--unread=unread
            id=format!("notification-{id}")
            tabindex="-1"
        >
            <p class="notification__state">
                {if unread {
                    view! { <span class="notification__tag">"Unread"</span> }.into_any()
                } else {
                    view! { <span class="notification__read">"Read"</span> }.into_any()
                }}
                <time datetime=n.created_at.clone()>{format_datetime(&n.created_at)}</time>
            </p>
            <p class="notification__message" id=message_id.clone()>{n.message.clone()}</p>
            <div class="notification__actions">
                {link}
                {action}
            </div>
        </li>
    }
}
