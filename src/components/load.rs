//! Loading a page's data without `Transition`/`ErrorBoundary`/`Suspend`: one signal holds
//! "loading", "failed" or the value, and a plain task fills it. Each of those components is
//! generic over its children, so every page that used them paid for its own copy in the bundle.

use std::future::Future;

use leptos::prelude::*;

use crate::{api::ApiResult, session::use_session};

/// A value being fetched.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Loading,
    Failed(crate::api::ApiError),
    Loaded(T),
}

impl<T> Load<T> {
    /// `None` while loading, the error once failed; a loaded value is not asked about.
    pub fn failure(&self) -> Option<crate::api::ApiError> {
        match self {
            Load::Failed(e) => Some(e.clone()),
            _ => None,
        }
    }
}

/// Which of the three a [`Load`] is, without its value: a page that draws its loaded value
/// in place is drawn again only when this changes ([`Loader::phase`]). Not generic, so
/// every page shares one memo type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Loading,
    Failed,
    Loaded,
}

/// Data a page loads, refetched whenever what `fetch` reads changes.
#[derive(Debug)]
pub struct Loader<T: 'static> {
    /// What to show.
    pub state: RwSignal<Load<T>>,
    /// A newer request is running while an older value is shown ("Updating…").
    pub updating: RwSignal<bool>,
    retries: RwSignal<u32>,
    /// The next load is a [`Loader::refresh`]: no "Updating…".
    quiet: StoredValue<bool>,
}

impl<T: 'static> Clone for Loader<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: 'static> Copy for Loader<T> {}

impl<T: Send + Sync + 'static> Loader<T> {
    /// Runs `fetch` now and whenever the signals it reads (before its first `.await`) change.
    /// Answers to superseded requests are dropped; a 401 signs the session out.
    pub fn new<Fut>(fetch: impl Fn() -> Fut + 'static) -> Loader<T>
    where
        Fut: Future<Output = ApiResult<T>> + 'static,
    {
        let session = use_session();
        let loader = Loader {
            state: RwSignal::new(Load::Loading),
            updating: RwSignal::new(false),
            retries: RwSignal::new(0),
            quiet: StoredValue::new(false),
        };
        let latest = StoredValue::new(0_u64);
        Effect::new(move |_| {
            loader.retries.track();
            let request = fetch();
            let id = latest.get_value() + 1;
            latest.set_value(id);
            let showing = loader
                .state
                .with_untracked(|s| matches!(s, Load::Loaded(_)));
            let quiet = loader.quiet.get_value();
            loader.quiet.set_value(false);
            if showing {
                if !quiet {
                    loader.updating.set(true);
                }
            } else {
                loader.state.set(Load::Loading);
            }
            leptos::task::spawn_local(async move {
                let result = request.await;
                // The page is gone, or a newer request was made meanwhile.
                if latest.try_get_value() != Some(id) {
                    return;
                }
                if result.as_ref().is_err_and(|e| e.is_unauthenticated()) {
                    session.signed_out();
                }
                loader.updating.set(false);
                loader.state.set(match result {
                    Ok(value) => Load::Loaded(value),
                    Err(e) => Load::Failed(e),
                });
            });
        });
        loader
    }

    /// Loads again (the "Try again" button, or after a change elsewhere).
    pub fn reload(self) {
        self.retries.update(|n| *n += 1);
    }

    /// Loads again without saying so: the figures on screen change in place when the answer
    /// comes (live updates, which would otherwise have a screen reader say "Updating…" every
    /// few seconds). A page that is gone is left alone.
    pub fn refresh(self) {
        if self.quiet.try_set_value(true).is_none() {
            self.retries.try_update(|n| *n += 1);
        }
    }

    /// Which of loading, failed and loaded the page is in: changes only between them, not
    /// with each new answer.
    pub fn phase(self) -> Memo<Phase> {
        Memo::new(move |_| {
            self.state.with(|s| match s {
                Load::Loading => Phase::Loading,
                Load::Failed(_) => Phase::Failed,
                Load::Loaded(_) => Phase::Loaded,
            })
        })
    }

    /// `f` of the loaded value (tracked), or `None` while there is none: what a page drawn
    /// in place reads as answers come.
    pub fn with_loaded<R>(self, f: impl FnOnce(&T) -> R) -> Option<R> {
        self.state.with(|s| match s {
            Load::Loaded(v) => Some(f(v)),
            _ => None,
        })
    }

    /// For `LoadError`'s Retry.
    pub fn retry(self) -> Callback<()> {
        Callback::new(move |_| self.reload())
    }
}
