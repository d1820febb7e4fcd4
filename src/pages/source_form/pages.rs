//! The form's pages: adding a source, and editing one (or saying why it can't be).

use leptos::prelude::*;
use leptos_router::components::A;
use model::{Status, TrafficSource};

use super::{Editing, SourceDraft, SourceForm};
use crate::{
    api::{self, ApiError},
    components::{
        notice::{first_api_error, LoadError},
        record::{not_found, use_record_id},
        set_title,
    },
    session::{use_session, PageLoading},
};

/// `/traffic-sources/new`.
#[component]
pub fn NewSource() -> impl IntoView {
    set_title("Add a traffic source");
    view! {
        <section class="page form-page">
            <p class="breadcrumb"><A href="/traffic-sources">"Traffic sources"</A></p>
            <h1>"Add a traffic source"</h1>
            <SourceForm initial=SourceDraft::default() save_label="Add traffic source"/>
        </section>
    }
}

/// `/traffic-sources/:id/edit`: loads the source, then the form (or why it can't be edited).
#[component]
pub fn EditSource() -> impl IntoView {
    set_title("Edit traffic source");
    let session = use_session();
    let id = use_record_id();
    let detail = LocalResource::new(move || {
        let id = id.get();
        async move {
            let result = match id {
                Some(id) => api::get_source(id).await,
                None => Err(not_found()),
            };
            if result.as_ref().is_err_and(ApiError::is_unauthenticated) {
                session.signed_out();
            }
            result
        }
    });
    view! {
        <section class="page form-page">
            <p class="breadcrumb"><A href="/traffic-sources">"Traffic sources"</A></p>
            <Transition fallback=|| view! { <h1>"Edit traffic source"</h1><PageLoading/> }>
                <ErrorBoundary fallback=move |errors| {
                    let error = first_api_error(&errors.get());
                    if error.status() == Some(404) {
                        view! {
                            <h1>"Traffic source not found"</h1>
                            <p>"There is no traffic source of yours at this address. It may have been removed."</p>
                            <A href="/traffic-sources" attr:class="button">"Back to traffic sources"</A>
                        }
                        .into_any()
                    } else {
                        view! {
                            <h1>"Edit traffic source"</h1>
                            <LoadError
                                error
                                title="Couldn't load this traffic source"
                                on_retry=Callback::new(move |_| detail.refetch())
                            />
                        }
                        .into_any()
                    }
                }>
                    {move || Suspend::new(async move {
                        detail.await.map(|detail| {
                            let source = detail.source;
                            set_title(&format!("Edit {}", source.name));
                            if source.status == Status::Blocked {
                                view! { <BlockedSource source/> }.into_any()
                            } else {
                                let editing = Editing { id: source.id, version: source.version };
                                view! {
                                    <h1>"Edit " <span class="h1-name">{source.name.clone()}</span></h1>
                                    <SourceForm initial=SourceDraft::from_source(&source) editing/>
                                }
                                .into_any()
                            }
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// A blocked source, read-only: why, and who can lift it.
#[component]
fn BlockedSource(source: TrafficSource) -> impl IntoView {
    view! {
        <h1>{source.name.clone()}</h1>
        <div class="alert alert--error">
            <h2 class="alert__title">"Blocked by platform staff"</h2>
            <p>
                "Reason: "
                {source.block_reason.clone().unwrap_or_else(|| "No reason was given.".into())}
            </p>
            <p>"While it is blocked, this source can't be edited and its tracking links don't work. Only platform staff can lift a block."</p>
        </div>
        <dl class="summary-list">
            <div><dt>"Web address"</dt><dd>{source.url.clone()}</dd></div>
            <div>
                <dt>"Channels"</dt>
                <dd>{source.channels.iter().map(|c| c.label()).collect::<Vec<_>>().join(", ")}</dd>
            </div>
            <div><dt>"Visibility"</dt><dd>{source.visibility.label()}</dd></div>
        </dl>
        <p><A href="/traffic-sources" attr:class="button">"Back to traffic sources"</A></p>
    }
}
