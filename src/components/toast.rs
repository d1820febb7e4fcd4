//! Short confirmations ("Saved.") that appear in a corner and go away by themselves.
//!
//! The region is always in the page and is a polite live region, so screen readers announce a
//! new message without moving focus. Errors that need action are not toasts: they stay where the
//! problem is (at the field or the form).

use std::time::Duration;

use leptos::prelude::*;

const TOAST_LIFETIME: Duration = Duration::from_secs(6);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub id: u64,
    pub kind: ToastKind,
    pub message: String,
}

/// The toast context.
#[derive(Debug, Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next_id: RwSignal<u64>,
}

impl Toasts {
    pub fn provide() -> Toasts {
        let toasts = Toasts {
            items: RwSignal::new(Vec::new()),
            next_id: RwSignal::new(1),
        };
        provide_context(toasts);
        toasts
    }

    pub fn success(self, message: impl Into<String>) {
        self.push(ToastKind::Success, message.into());
    }

    pub fn info(self, message: impl Into<String>) {
        self.push(ToastKind::Info, message.into());
    }

    fn push(self, kind: ToastKind, message: String) {
        let id = self.next_id.get_untracked();
        self.next_id.set(id + 1);
        self.items
            .update(|items| items.push(Toast { id, kind, message }));
        set_timeout(move || self.dismiss(id), TOAST_LIFETIME);
    }

    pub fn dismiss(self, id: u64) {
        // The timer may fire after the app was unmounted (tests): then there is nothing to do.
        let _ = self.items.try_update(|items| items.retain(|t| t.id != id));
    }

    pub fn items(self) -> Signal<Vec<Toast>> {
        self.items.into()
    }
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

/// Where toasts appear. Mounted once, in the app's layout.
#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toasts" role="status">
            <For
                each=move || toasts.items().get()
                key=|t| t.id
                children=move |toast| {
                    let class = match toast.kind {
                        ToastKind::Success => "toast toast--success",
                        ToastKind::Info => "toast toast--info",
                    };
                    let icon = match toast.kind {
                        ToastKind::Success => "✓",
                        ToastKind::Info => "i",
                    };
                    let id = toast.id;
                    view! {
                        <div class=class>
                            <span class="toast__icon" aria-hidden="true">{icon}</span>
                            <p class="toast__message">{toast.message}</p>
                            <button
                                type="button"
                                class="toast__close"
                                aria-label="Dismiss message"
                                on:click=move |_| toasts.dismiss(id)
                            >
                                <span aria-hidden="true">"×"</span>
                            </button>
                        </div>
                    }
                }
            />
        </div>
    }
}
