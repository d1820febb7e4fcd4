//! "Invite to program": the marketplace's dialog that puts a source into one of the advertiser's
//! programs and then shows the new tracking link with a Copy button.
//!
//! Built on the native modal `<dialog>` (focus trap, Escape, inert background and focus return
//! come from the browser). It asks for the advertiser's programs each time it opens; with none
//! yet, it offers the program form first. Adding a source twice is refused by the server (422
//! `duplicate`), and its message is shown at the program field.

use leptos::{html, prelude::*};
use leptos_router::components::A;
use model::program::{Collaboration, MarketplaceSource, Program};

use crate::{
    api::{self, ApiError},
    components::{copy_button::CopyField, focus_id, notice::LoadError, program_form::ProgramForm},
    session::{use_session, PageLoading},
};

/// Programs per request (the API's largest page); the picker follows the pages to the end.
const PAGE_SIZE: i64 = 100;

/// The advertiser's programs, as far as the dialog knows.
#[derive(Debug, Clone, PartialEq)]
pub enum Programs {
    Loading,
    Loaded(Vec<Program>),
    Failed(ApiError),
}

/// What the last "Add" ended with.
#[derive(Debug, Clone, PartialEq)]
pub enum AddOutcome {
    /// The collaboration, with the name of the program it is in.
    Added(Collaboration, String),
    /// The server refused: a message for the program field (e.g. already in this program).
    Refused(String),
    /// No answer, or an answer this dialog can't act on.
    Failed(ApiError),
}

/// The outcome of an add request, as the dialog shows it.
pub fn outcome_of(result: Result<Collaboration, ApiError>, program_name: String) -> AddOutcome {
    match result {
        Ok(c) => AddOutcome::Added(c, program_name),
        Err(e) => {
            let fields = e.fields();
            if let Some(message) = fields
                .get("traffic_source_id")
                .or_else(|| fields.values().next())
            {
                AddOutcome::Refused(message.clone())
            } else if e.status() == Some(404) {
                AddOutcome::Refused(
                    "This source is no longer in the marketplace (its partner paused it or made it private), or the program was removed."
                        .into(),
                )
            } else {
                AddOutcome::Failed(e)
            }
        }
    }
}

/// Every program of the advertiser, newest first: an advertiser with hundreds of programs can
/// still pick the oldest.
async fn all_programs() -> Result<Vec<Program>, ApiError> {
    let mut items = Vec::new();
    let mut cursor = None::<String>;
    loop {
        let page = api::list_programs(PAGE_SIZE, cursor.as_deref(), None).await?;
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(items),
        }
    }
}

/// What the dialog shows.
#[derive(Debug, Clone, PartialEq)]
enum Mode {
    Loading,
    Failed(ApiError),
    /// The program form: the advertiser has no program (`first`) or asked for a new one.
    Create {
        first: bool,
    },
    Pick(Vec<Program>),
    Added(Collaboration, String),
}

/// The dialog. It is open while `source` holds a source and sets it back to `None` on close.
#[component]
pub fn AddToProgramDialog(
    /// The source to add; `Some` opens the dialog.
    source: RwSignal<Option<MarketplaceSource>>,
) -> impl IntoView {
    let session = use_session();
    let dialog = NodeRef::<html::Dialog>::new();
    let programs = RwSignal::new(Programs::Loading);
    let chosen = RwSignal::new(None::<i64>);
    let creating = RwSignal::new(false);
    let outcome = RwSignal::new(None::<AddOutcome>);

    let load = move || {
        programs.set(Programs::Loading);
        leptos::task::spawn_local(async move {
            let result = all_programs().await;
            if result.as_ref().is_err_and(ApiError::is_unauthenticated) {
                session.signed_out();
            }
            let next = match result {
                Ok(items) => {
                    let keep = chosen
                        .get_untracked()
                        .filter(|id| items.iter().any(|p| p.id == *id));
                    let _ = chosen.try_set(keep.or_else(|| items.first().map(|p| p.id)));
                    Programs::Loaded(items)
                }
                Err(e) => Programs::Failed(e),
            };
            let _ = programs.try_set(next);
        });
    };

    // Opens (and resets) for each new source; closes when the source is cleared.
    let source_id = Memo::new(move |_| source.with(|s| s.as_ref().map(|s| s.id)));
    Effect::new(move |_| {
        let open = source_id.get().is_some();
        if open {
            outcome.set(None);
            creating.set(false);
            load();
        }
        if let Some(el) = dialog.get() {
            if open && !el.open() {
                let _ = el.show_modal();
            } else if !open && el.open() {
                el.close();
            }
        }
    });
    let close = move || source.set(None);

    // A plain task rather than an `Action` (smaller bundle; see `source_form`).
    let adding = RwSignal::new(false);
    let finish = move |result: AddOutcome| {
        if matches!(&result, AddOutcome::Failed(e) if e.is_unauthenticated()) {
            session.signed_out();
        }
        let focus = match &result {
            AddOutcome::Added(..) => "add-result",
            _ => "add-program",
        };
        outcome.set(Some(result));
        // After the view shows the outcome.
        request_animation_frame(move || focus_id(focus));
    };

    let source_name =
        move || source.with(|s| s.as_ref().map(|s| s.name.clone()).unwrap_or_default());
    let program_name = move |id: i64| {
        programs.with(|p| match p {
            Programs::Loaded(list) => list.iter().find(|p| p.id == id).map(|p| p.name.clone()),
            _ => None,
        })
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if adding.get_untracked() {
            return;
        }
        let (Some(program_id), Some(source_id_sent)) =
            (chosen.get_untracked(), source_id.get_untracked())
        else {
            return;
        };
        outcome.set(None);
        adding.set(true);
        let name = program_name(program_id).unwrap_or_default();
        leptos::task::spawn_local(async move {
            let result = api::add_source_to_program(program_id, source_id_sent).await;
            // Gone, or closed and opened for another source meanwhile.
            if adding.try_set(false).is_some() || source_id.get_untracked() != Some(source_id_sent)
            {
                return;
            }
            finish(outcome_of(result, name));
        });
    };

    let on_created = Callback::new(move |program: Program| {
        creating.set(false);
        chosen.set(Some(program.id));
        programs.update(|p| match p {
            Programs::Loaded(list) => list.insert(0, program),
            other => *other = Programs::Loaded(vec![program]),
        });
        request_animation_frame(|| focus_id("add-program"));
    });

    let refused = move || match outcome.get() {
        Some(AddOutcome::Refused(message)) => Some(message),
        _ => None,
    };

    let picker = move |list: Vec<Program>| {
        let options = list
            .into_iter()
            .map(|p| {
                let label = match p.source_count {
                    1 => format!("{} (1 source)", p.name),
                    n => format!("{} ({n} sources)", p.name),
                };
                view! { <option value=p.id.to_string()>{label}</option> }
            })
            .collect_view();
        let pending = move || adding.get();
        view! {
            <form class="add-form" novalidate on:submit=on_submit>
                <div class="field" class:field--invalid=move || refused().is_some()>
                    <label class="field__label" for="add-program">"Program"</label>
                    <select
                        id="add-program"
                        class="field__input"
                        aria-invalid=move || refused().is_some().to_string()
                        aria-describedby=move || refused().map(|_| "add-program-error")
                        prop:value=move || chosen.get().map(|id| id.to_string()).unwrap_or_default()
                        on:change=move |ev| {
                            chosen.set(event_target_value(&ev).parse().ok());
                            outcome.set(None);
                        }
                    >
                        {options}
                    </select>
                    {move || refused().map(|message| view! {
                        <p class="field__error" id="add-program-error">
                            <span class="field__error-icon" aria-hidden="true">"!"</span>
                            {message}
                        </p>
                    })}
                </div>
                {move || match outcome.get() {
                    Some(AddOutcome::Failed(e)) => Some(view! {
                        <div class="alert alert--error" role="alert">
                            <h3 class="alert__title">"Not added"</h3>
                            <p>{e.message()}</p>
                        </div>
                    }),
                    _ => None,
                }}
                <div class="dialog__actions">
                    <button type="button" class="button button--quiet" on:click=move |_| creating.set(true)>
                        "New program…"
                    </button>
                    <button type="button" class="button" on:click=move |_| close()>"Cancel"</button>
                    <button type="submit" class="button button--primary" aria-disabled=move || pending().to_string()>
                        {move || pending().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                        {move || if pending() { "Inviting…" } else { "Invite to program" }}
                    </button>
                </div>
                <p class="form__status" role="status">{move || if pending() { "Adding the source…" } else { "" }}</p>
            </form>
        }
    };

    // What the dialog shows. A memo, so that a refused add (or choosing another program) does
    // not rebuild the picker and take the focus away from it.
    let mode = Memo::new(move |_| {
        if let Some(AddOutcome::Added(collaboration, program)) = outcome.get() {
            return Mode::Added(collaboration, program);
        }
        match programs.get() {
            Programs::Loading => Mode::Loading,
            Programs::Failed(error) => Mode::Failed(error),
            Programs::Loaded(list) if list.is_empty() => Mode::Create { first: true },
            Programs::Loaded(_) if creating.get() => Mode::Create { first: false },
            Programs::Loaded(list) => Mode::Pick(list),
        }
    });

    let body = move || {
        match mode.get() {
        Mode::Added(collaboration, program) => {
            let link_id = format!("add-link-{}", collaboration.id);
            let what = format!("tracking link for {} in {}", collaboration.source_name, program);
            view! {
                <div class="add-result" id="add-result" tabindex="-1">
                    <p class="add-result__message">
                        <span class="add-result__icon" aria-hidden="true">"✓"</span>
                        {format!("Invited “{}” to “{}”.", collaboration.source_name, program)}
                    </p>
                    {match collaboration.tracking_url.clone() {
                        Some(url) => view! { <CopyField text=url id=link_id what/> }.into_any(),
                        None => view! {
                            <p class="field__hint">"Its partner is told and accepts or declines; the tracking link works once they accept. The program page shows where it stands."</p>
                        }.into_any(),
                    }}
                </div>
                <div class="dialog__actions">
                    <A href=format!("/programs/{}", collaboration.program_id) attr:class="button">
                        "Open the program"
                    </A>
                    <button type="button" class="button button--primary" on:click=move |_| close()>"Done"</button>
                </div>
            }
            .into_any()
        }
        Mode::Loading => view! { <PageLoading/> }.into_any(),
        Mode::Failed(error) => view! {
            <LoadError error title="Couldn't load your programs" on_retry=Callback::new(move |_| load())/>
            <div class="dialog__actions">
                <button type="button" class="button" on:click=move |_| close()>"Cancel"</button>
            </div>
        }
        .into_any(),
        Mode::Create { first } => view! {
            <p>
                {if first {
                    "You have no program yet. Create one; then add this source to it."
                } else {
                    "Create a program; then add this source to it."
                }}
            </p>
            <ProgramForm on_created submit_label="Create program"/>
            <div class="dialog__actions">
                {(!first).then(|| view! {
                    <button type="button" class="button" on:click=move |_| creating.set(false)>
                        "Back to your programs"
                    </button>
                })}
                <button type="button" class="button" on:click=move |_| close()>"Cancel"</button>
            </div>
        }
        .into_any(),
        Mode::Pick(list) => picker(list).into_any(),
    }
    };

    view! {
        <dialog
            node_ref=dialog
            class="dialog dialog--wide"
            aria-labelledby="add-title"
            on:close=move |_| close()
        >
            <h2 class="dialog__title" id="add-title">
                "Invite " <span class="h1-name">{move || format!("“{}”", source_name())}</span> " to a program"
            </h2>
            <p class="dialog__message">
                {move || source.with(|s| s.as_ref().map(|s| format!("A traffic source of {}.", s.partner_name)))}
            </p>
            {body}
        </dialog>
    }
}
