//! Four "screens", a to d. Every set of two or more screens shares one helper that only those
//! screens call (ab, ac, …, abcd: eleven helpers), as an app's screens share widgets, formatters
//! and deserialisers in every combination. With N of the screens made split points, wasm-split
//! cuts each set of two or more split screens' shared helper into a chunk of its own:
//! 2^N - N - 1 chunks (0, 1, 4, 11), each a little module that is fetched, compiled and
//! gzipped on its own. `scripts/split-fragments.sh` prints what that costs against the same
//! program unsplit.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// A helper of a few hundred bytes of code, different for every `seed` so that no two are
/// merged: what one shared widget or formatter weighs.
macro_rules! helper {
    ($name:ident, $seed:expr) => {
        #[inline(never)]
        fn $name(x: u64) -> u64 {
            let mut h: u64 = $seed;
            for i in 0..(x % 17 + 3) {
                h = h.rotate_left(($seed % 13 + 1) as u32) ^ i.wrapping_mul($seed | 1);
                h = match h % 8 {
                    0 => h.wrapping_add($seed ^ 0x9e37_79b9),
                    1 => h ^ ($seed << 7),
                    2 => h.wrapping_mul($seed + 3),
                    3 => h.rotate_right(($seed % 7 + 1) as u32),
                    4 => h.wrapping_sub($seed >> 3),
                    5 => h ^ 0x5851_f42d_4c95_7f2d ^ $seed,
                    6 => h.wrapping_add(x.wrapping_mul($seed)),
                    _ => !h ^ $seed,
                };
            }
            h
        }
    };
}

helper!(ab, 0x0101);
helper!(ac, 0x0202);
helper!(ad, 0x0303);
helper!(bc, 0x0404);
helper!(bd, 0x0505);
helper!(cd, 0x0606);
helper!(abc, 0x0707);
helper!(abd, 0x0808);
helper!(acd, 0x0909);
helper!(bcd, 0x0a0a);
helper!(abcd, 0x0b0b);
helper!(own_a, 0x0c0c);
helper!(own_b, 0x0d0d);
helper!(own_c, 0x0e0e);
helper!(own_d, 0x0f0f);

#[cfg_attr(feature = "split1", wasm_split_helpers::wasm_split(screen_a))]
fn screen_a(x: u64) -> u64 {
    own_a(x) ^ ab(x) ^ ac(x) ^ ad(x) ^ abc(x) ^ abd(x) ^ acd(x) ^ abcd(x)
}

#[cfg_attr(feature = "split2", wasm_split_helpers::wasm_split(screen_b))]
fn screen_b(x: u64) -> u64 {
    own_b(x) ^ ab(x) ^ bc(x) ^ bd(x) ^ abc(x) ^ abd(x) ^ bcd(x) ^ abcd(x)
}

#[cfg_attr(feature = "split3", wasm_split_helpers::wasm_split(screen_c))]
fn screen_c(x: u64) -> u64 {
    own_c(x) ^ ac(x) ^ bc(x) ^ cd(x) ^ abc(x) ^ acd(x) ^ bcd(x) ^ abcd(x)
}

#[cfg_attr(feature = "split4", wasm_split_helpers::wasm_split(screen_d))]
fn screen_d(x: u64) -> u64 {
    own_d(x) ^ ad(x) ^ bd(x) ^ cd(x) ^ abd(x) ^ acd(x) ^ bcd(x) ^ abcd(x)
}

/// A split screen is an async function that loads its module first: the answer is there once
/// its code is (this program only needs the calls to exist, not to wait for them).
#[allow(dead_code)]
fn ready(screen: impl Future<Output = u64>) -> u64 {
    match pin!(screen).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => 0,
    }
}

/// `screen(x)`, awaited when `feature` makes it a split point.
macro_rules! open {
    ($feature:literal, $screen:ident, $x:expr) => {{
        #[cfg(feature = $feature)]
        let answer = ready($screen($x));
        #[cfg(not(feature = $feature))]
        let answer = $screen($x);
        answer
    }};
}

/// Opens screen `screen` (0 to 3): the program's one entry point.
#[no_mangle]
pub extern "C" fn open(screen: u32, x: u64) -> u64 {
    // Reachable from the main module, the shared helpers stay in it: no chunks.
    #[cfg(feature = "shared_in_main")]
    if std::hint::black_box(false) {
        std::hint::black_box([ab, ac, ad, bc, bd, cd, abc, abd, acd, bcd, abcd] as [fn(u64) -> u64; 11]);
    }
    match screen {
        0 => open!("split1", screen_a, x),
        1 => open!("split2", screen_b, x),
        2 => open!("split3", screen_c, x),
        _ => open!("split4", screen_d, x),
    }
}
