//! How a screen, or a part of one, waits for its wasm module: the loading state meanwhile,
//! Try again when the download fails, and the `screen!` and `part!` macros that make the split
//! points (src/screens/mod.rs lists them).
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use leptos::prelude::*;

use crate::session::PageLoading;

/// A screen's module could not be downloaded (offline, or the server is gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkFailed;

impl From<leptos::wasm_split::SplitLoaderError> for ChunkFailed {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkFailed
    }
}

pub(super) type Download = Pin<Box<dyn Future<Output = Result<(), ChunkFailed>>>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    Loading,
    Failed,
    Ready,
}

/// One route's screen: its download, started at once, and what to show meanwhile.
#[derive(Clone, Copy)]
pub struct Screen {
    chunk: RwSignal<Chunk>,
    download: fn() -> Download,
    show: fn() -> Result<AnyView, ChunkFailed>,
}

impl Screen {
    /// Starts downloading the screen's module (a module already loaded answers at once, and a
    /// second request for one in flight waits for the same download).
    pub(super) fn start(
        download: fn() -> Download,
        show: fn() -> Result<AnyView, ChunkFailed>,
    ) -> Screen {
        let screen = Screen {
            chunk: RwSignal::new(Chunk::Loading),
            download,
            show,
        };
        screen.fetch();
        screen
    }

    fn fetch(self) {
        let outcome = |result: Result<(), ChunkFailed>| match result {
            Ok(()) => Chunk::Ready,
            Err(ChunkFailed) => Chunk::Failed,
        };
        let mut download = (self.download)();
        // A module already here answers on the first poll: the screen shows at once, without
        // a frame of "Loading…" on every visit after the first.
        if let Some(result) = poll_once(download.as_mut()) {
            self.chunk.set(outcome(result));
            return;
        }
        self.chunk.set(Chunk::Loading);
        leptos::task::spawn_local(async move {
            let result = download.await;
            // The route may have been left meanwhile.
            let _ = self.chunk.try_set(outcome(result));
        });
    }

    /// The screen once its module is here; the loading state before; Try again if it failed.
    pub fn view(self) -> impl IntoView {
        move || match self.chunk.get() {
            Chunk::Loading => view! { <PageLoading/> }.into_any(),
            Chunk::Failed => view! { <ChunkError retry=move || self.fetch()/> }.into_any(),
            Chunk::Ready => (self.show)()
                .unwrap_or_else(|_| view! { <ChunkError retry=move || self.fetch()/> }.into_any()),
        }
    }
}

/// What a screen whose code failed to download shows.
#[component]
fn ChunkError(
    /// Downloads the screen again.
    retry: impl Fn() + 'static,
) -> impl IntoView {
    view! {
        <section class="page narrow">
            <div class="alert alert--error" role="alert">
                <h1 class="alert__title">"This page couldn't be loaded"</h1>
                <p>"Check your connection, then try again."</p>
                <button type="button" class="button" on:click=move |_| retry()>
                    "Try again"
                </button>
            </div>
        </section>
    }
}

/// Where a screen's part stands (see [`part!`]).
#[cfg(feature = "split")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartChunk {
    /// Not asked for yet.
    Idle,
    Loading,
    Failed,
    Ready,
}

/// A part of a screen that its first paint does not need (a dialog), in a module of its own.
/// Its download starts when the browser is idle after the screen has `settled` (its data
/// shown, so the part never competes with the screen), or at once when the part is `wanted`
/// (its dialog asked for first).
/// Until it is here, `pending` is drawn (a dialog: nothing; a bar: its idle look); a failed
/// download, if the part is wanted, says so with Try again. `here` remembers a loaded
/// module, so a later visit draws the part at once.
#[cfg(feature = "split")]
pub(super) fn deferred(
    here: &'static std::sync::atomic::AtomicBool,
    download: fn() -> Download,
    settled: Signal<bool>,
    wanted: Signal<bool>,
    show: impl Fn() -> Result<AnyView, ChunkFailed> + Send + Sync + 'static,
    pending: impl Fn() -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    use std::sync::atomic::Ordering;
    let chunk = RwSignal::new(if here.load(Ordering::Relaxed) {
        PartChunk::Ready
    } else {
        PartChunk::Idle
    });
    let fetch = move || {
        chunk.set(PartChunk::Loading);
        leptos::task::spawn_local(async move {
            let next = match download().await {
                Ok(()) => {
                    here.store(true, Ordering::Relaxed);
                    PartChunk::Ready
                }
                Err(ChunkFailed) => PartChunk::Failed,
            };
            let _ = chunk.try_set(next);
        });
    };
    Effect::new(move |_| {
        let (want, soon) = (wanted.get(), settled.get());
        match chunk.get_untracked() {
            PartChunk::Idle if want => fetch(),
            // Not in the way of the screen: when the browser has nothing else to do.
            PartChunk::Idle if soon => leptos::prelude::request_idle_callback(move || {
                if chunk.try_get_untracked() == Some(PartChunk::Idle) {
                    fetch();
                }
            }),
            // Asked for again after a failure: another try.
            PartChunk::Failed if want => fetch(),
            _ => {}
        }
    });
    move || match chunk.get() {
        PartChunk::Ready => show().ok(),
        PartChunk::Failed if wanted.get() => Some(
            view! {
                <div class="alert alert--error" role="alert">
                    <p>"This couldn't be opened. Check your connection, then try again."</p>
                    <button type="button" class="button" on:click=move |_| fetch()>
                        "Try again"
                    </button>
                </div>
            }
            .into_any(),
        ),
        _ => Some(pending()),
    }
}

/// The future's output if it is ready without waiting. Polling it again later (with a real
/// waker) carries on where this left off.
fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Option<F::Output> {
    match future.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

/// Runs a split function whose module is loaded: its wrapper then finishes on the first poll, so
/// the view is built here, under the route's owner and contexts, not in a later task.
#[cfg(feature = "split")]
pub(super) fn finish_now(
    wrapper: impl Future<Output = Result<AnyView, ChunkFailed>>,
) -> Result<AnyView, ChunkFailed> {
    poll_once(std::pin::pin!(wrapper)).unwrap_or(Err(ChunkFailed))
}

/// The split point under `screen!` and `part!`: `split_fn(args)` builds `view`, and with the
/// `split` feature it lives in the wasm module `module`, which `preload_fn()` downloads.
#[rustfmt::skip] // rustfmt re-indents the attribute below on every run
macro_rules! split_fn {
    ($module:ident, $split:ident, $preload:ident, ($($arg:ident: $ty:ty),*), $view:expr) => {
        #[cfg_attr(
            feature = "split",
            leptos::wasm_split::wasm_split(
                $module,
                wasm_split_path = ::leptos::wasm_split,
                fallible,
                preload($preload)
            )
        )]
        fn $split($($arg: $ty),*) -> Result<AnyView, ChunkFailed> {
            Ok($view.into_any())
        }
    };
}

/// `screen!(module, name, split_fn, preload_fn, view)`: a public `name()` that starts the
/// screen's download and returns its `Screen`; `split_fn` and `preload_fn` name the functions
/// the split point is made of. Screens naming the same `module` share one wasm module.
#[rustfmt::skip]
macro_rules! screen {
    ($module:ident, $name:ident, $split:ident, $preload:ident, $view:expr) => {
        split_fn!($module, $split, $preload, (), $view);

        #[cfg(feature = "split")]
        pub fn $name() -> Screen {
            Screen::start(
                || Box::pin(async { $preload().await.map_err(ChunkFailed::from) }),
                || finish_now($split()),
            )
        }

        #[cfg(not(feature = "split"))]
        pub fn $name() -> Screen {
            Screen::start(|| Box::pin(async { Ok(()) }), $split)
        }
    };
}

/// `part!(module, name, split_fn, preload_fn, (args), view[, pending: view])`: a public
/// `name(settled, wanted, args)` that draws `view` once its module is here, and `pending`
/// (nothing, if not given) until then (see [`deferred`]). Without the `split` feature it
/// draws the view at once.
#[rustfmt::skip]
macro_rules! part {
    ($module:ident, $name:ident, $split:ident, $preload:ident, ($($arg:ident: $ty:ty),*), $view:expr) => {
        part!($module, $name, $split, $preload, ($($arg: $ty),*), $view, pending: ());
    };
    ($module:ident, $name:ident, $split:ident, $preload:ident, ($($arg:ident: $ty:ty),*), $view:expr, pending: $pending:expr) => {
        split_fn!($module, $split, $preload, ($($arg: $ty),*), $view);

        #[cfg(feature = "split")]
        pub fn $name(settled: Signal<bool>, wanted: Signal<bool>, $($arg: $ty),*) -> impl IntoView {
            static HERE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
            deferred(
                &HERE,
                || Box::pin(async { $preload().await.map_err(ChunkFailed::from) }),
                settled,
                wanted,
                move || finish_now($split($($arg),*)),
                move || $pending.into_any(),
            )
        }

        #[cfg(not(feature = "split"))]
        pub fn $name(_settled: Signal<bool>, _wanted: Signal<bool>, $($arg: $ty),*) -> impl IntoView {
            $split($($arg),*).ok()
        }
    };
}
