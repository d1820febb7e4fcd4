//! Why the last save did not succeed, and what the form says about it above its buttons.

use leptos::prelude::*;
use leptos_router::components::A;
use model::FieldErrors;

use crate::api::ApiError;

/// What the last save attempt ended with, when it did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub enum SaveProblem {
    /// 422: shown at the fields (and here only when the server named no field we show).
    Fields(FieldErrors),
    /// 409: someone saved a newer version.
    Conflict,
    /// 403 `source_blocked`: staff blocked it meanwhile.
    Blocked,
    /// No answer: the typed values stay, Retry sends them again.
    Network,
    Other(ApiError),
}

/// The notice for the last save's problem, if any: only what no field shows, a newer
/// version (with Reload), a block, no connection (with Retry), or any other refusal.
#[component]
pub fn SaveProblemNotice(
    /// The last save's problem.
    problem: RwSignal<Option<SaveProblem>>,
    /// True while the stored version is being loaded after a conflict.
    reloading: RwSignal<bool>,
    /// Loads the stored version (after a conflict).
    reload: Callback<()>,
    /// Sends the last draft again (after a network failure).
    retry: Callback<()>,
) -> impl IntoView {
    move || {
        problem.get().and_then(|p| match p {
            SaveProblem::Fields(fields) => {
                // Only what no field shows: e.g. a rule on a field this form has no input for.
                let shown = ["name", "url", "channels"];
                let rest: Vec<String> =
                    fields.iter().filter(|(f, _)| !shown.contains(&f.as_str())).map(|(_, m)| m.clone()).collect();
                (!rest.is_empty()).then(|| {
                    view! {
                        <div class="alert alert--error" role="alert">
                            <p>{rest.join(" ")}</p>
                        </div>
                    }
                    .into_any()
                })
            }
            SaveProblem::Conflict => Some(
                view! {
                    <div class="alert alert--warning" role="alert">
                        <h2 class="alert__title">"This source was changed elsewhere"</h2>
                        <p>
                            "Someone saved a newer version (perhaps you, in another tab), so your changes were not saved. "
                            "Reload to see the saved version; then make your changes again."
                        </p>
                        <button
                            type="button"
                            class="button"
                            aria-disabled=move || reloading.get().to_string()
                            on:click=move |_| reload.run(())
                        >
                            {move || if reloading.get() { "Reloading…" } else { "Reload" }}
                        </button>
                    </div>
                }
                .into_any(),
            ),
            SaveProblem::Blocked => Some(
                view! {
                    <div class="alert alert--error" role="alert">
                        <h2 class="alert__title">"This source is blocked"</h2>
                        <p>"Platform staff blocked this source, so it can't be changed. Only platform staff can lift a block."</p>
                        <A href="/traffic-sources" attr:class="button">"Back to traffic sources"</A>
                    </div>
                }
                .into_any(),
            ),
            SaveProblem::Network => Some(
                view! {
                    <div class="alert alert--error" role="alert">
                        <h2 class="alert__title">"Not saved: no connection"</h2>
                        <p>"We could not reach the server. What you typed is still here. Check your connection, then try again."</p>
                        <button
                            type="button"
                            class="button"
                            on:click=move |_| retry.run(())
                        >
                            "Retry"
                        </button>
                    </div>
                }
                .into_any(),
            ),
            SaveProblem::Other(e) => Some(
                view! {
                    <div class="alert alert--error" role="alert">
                        <h2 class="alert__title">"Not saved"</h2>
                        <p>{e.message()}</p>
                    </div>
                }
                .into_any(),
            ),
        })
    }
}
