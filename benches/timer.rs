//! Timer benchmark: the wheel against a std `BinaryHeap` with lazy cancel.
//!
//! For N = 10k, 100k and 1M timers, each round draws N uniform random
//! deadlines in `0..3_600_000` ticks (one hour at 1 ms, as
//! ../shared/peers/micro/src/bin/timers.rs does) and a random half to cancel,
//! then on the same data, interleaved, times:
//!
//! * wheel: insert all N, cancel the half through their handles, then fire
//!   the rest in order by jumping to each `next_deadline` and polling;
//! * heap: push all N `(deadline, id)`, cancel the half by setting a flag in a
//!   side table, then pop everything, skipping cancelled ids;
//! * floor: the wheel's cancel with no wheel around it, the same timers
//!   unlinked from bare doubly linked lists (see `floor_round`), to show
//!   how much of the cancel's growth with N any O(1) cancel would pay.
//!
//! Both structures (and the output buffers) are allocated, and their memory
//! written once so that it is really there (no page faults on the clock),
//! before the clock starts: the wheel writes its entries when constructed,
//! the heap's vector and the buffers are filled and cleared here. The order
//! of what fired is checked after the clock stops. Reported: the median
//! (min, max) over the rounds of ns per timer over its whole life (total
//! time / N), the heap/wheel ratio, each phase per operation, the floor per
//! cancel, and the growth of the cost per timer and per cancel from the
//! smallest size to the largest.
//!
//! Run: `cargo bench --bench timer` (`-- --reps 9` for more rounds, `-- --n
//! 1000000` for one size, `-- --cpu` to time by thread CPU time on a busy
//! machine).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use mio::timer::TimerWheel;
use nix::time::ClockId;

const HORIZON: u64 = 3_600_000;

/// Set by `--cpu`: time phases by this thread's CPU time instead of the wall
/// clock.
static CPU_TIME: AtomicBool = AtomicBool::new(false);

/// Nanoseconds on the bench's clock: the wall clock, or with `--cpu` this
/// thread's CPU time, which leaves out the time other processes hold the
/// core on a busy machine (cache pollution by them stays in).
fn now_ns() -> u64 {
    if CPU_TIME.load(Ordering::Relaxed) {
        let ts = ClockId::CLOCK_THREAD_CPUTIME_ID.now().expect("clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
        ts.tv_sec() as u64 * 1_000_000_000 + ts.tv_nsec() as u64
    } else {
        static EPOCH: OnceLock<Instant> = OnceLock::new();
        EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
    }
}

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) % n
    }
}

/// One round's input: deadlines by timer id, and the ids to cancel.
struct Work {
    deadlines: Vec<u64>,
    cancel: Vec<u32>,
}

impl Work {
    fn new(n: usize, seed: u64) -> Work {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let deadlines = (0..n).map(|_| rng.below(HORIZON)).collect();
        let mut ids: Vec<u32> = (0..n as u32).collect();
        for i in 0..n / 2 {
            let j = i + rng.below((n - i) as u64) as usize;
            ids.swap(i, j);
        }
        ids.truncate(n / 2);
        Work { deadlines, cancel: ids }
    }

    /// Checks that `fired` holds each uncancelled id once, in deadline order,
    /// each at its own deadline.
    fn check(&self, fired: &[(u64, u32)]) {
        assert_eq!(fired.len(), self.deadlines.len() - self.cancel.len());
        let mut last = 0;
        for &(tick, id) in fired {
            let d = self.deadlines[id as usize];
            assert_eq!(tick, d, "timer {id} fired at {tick}, due {d}");
            assert!(d >= last, "out of order");
            last = d;
        }
    }
}

/// Nanoseconds of the three phases of one round.
#[derive(Clone, Copy)]
struct Phases {
    insert: f64,
    cancel: f64,
    fire: f64,
}

impl Phases {
    fn total(&self) -> f64 {
        self.insert + self.cancel + self.fire
    }
}

/// A vector of capacity `n` whose memory has been written.
fn prefaulted<T: Clone>(n: usize, filler: T) -> Vec<T> {
    let mut v = vec![filler; n];
    black_box(&mut v).clear();
    v
}

fn wheel_round(w: &Work) -> Phases {
    let n = w.deadlines.len();
    let mut wheel = TimerWheel::with_capacity(n);
    let some_handle = TimerWheel::with_capacity(1).insert(0, ()).expect("capacity 1");
    let mut handles = prefaulted(n, some_handle);
    let mut fired = prefaulted(n, (0, 0));

    let t = now_ns();
    for (id, &d) in w.deadlines.iter().enumerate() {
        handles.push(wheel.insert(d, id as u32).expect("capacity is n"));
    }
    let insert = (now_ns() - t) as f64;

    let t = now_ns();
    for &id in &w.cancel {
        black_box(wheel.cancel(handles[id as usize]));
    }
    let cancel = (now_ns() - t) as f64;

    let t = now_ns();
    while let Some(tick) = wheel.next_deadline() {
        while let Some(id) = wheel.poll(tick) {
            fired.push((tick, id));
        }
    }
    let fire = (now_ns() - t) as f64;

    w.check(&fired);
    Phases { insert, cancel, fire }
}

fn heap_round(w: &Work) -> Phases {
    let n = w.deadlines.len();
    let mut heap = BinaryHeap::from(prefaulted(n, Reverse((0, 0))));
    let mut cancelled = prefaulted(n, true);
    cancelled.resize(n, false);
    let mut fired = prefaulted(n, (0, 0));

    let t = now_ns();
    for (id, &d) in w.deadlines.iter().enumerate() {
        heap.push(Reverse((d, id as u32)));
    }
    let insert = (now_ns() - t) as f64;
    black_box(&heap);

    let t = now_ns();
    for &id in &w.cancel {
        cancelled[id as usize] = true;
    }
    let cancel = (now_ns() - t) as f64;
    black_box(&cancelled);

    let t = now_ns();
    while let Some(Reverse((d, id))) = heap.pop() {
        if !cancelled[id as usize] {
            fired.push((d, id));
        }
    }
    let fire = (now_ns() - t) as f64;

    w.check(&fired);
    Phases { insert, cancel, fire }
}

/// A bare list link: the part of a wheel entry that a cancel touches, with
/// the same 32-byte stride.
#[derive(Clone, Copy)]
#[repr(align(32))]
struct Link {
    prev: u32,
    next: u32,
    generation: u32,
    list: u32,
}

const NIL: u32 = u32::MAX;

/// The memory floor of the wheel's cancel: unlinking the same timers, in the
/// same order, from bare doubly linked lists that chain them as the wheel
/// does (timers due in the same 512-tick span, in insertion order; the
/// wheel's level-1 sublists), through handles of the same size. No wheel
/// around it: a generation check and the unlink, what any O(1) cancel that
/// frees its entry must do. Returns ns per cancel.
fn floor_round(w: &Work) -> f64 {
    let n = w.deadlines.len();
    let span = |id: u32| (w.deadlines[id as usize] >> 9) as u32;
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|&id| span(id)); // stable: insertion order within a span
    let mut links = vec![Link { prev: NIL, next: NIL, generation: 0, list: 0 }; n];
    let mut ends = vec![(NIL, NIL); (HORIZON >> 9) as usize + 1];
    for &id in &order {
        let list = span(id);
        let tail = ends[list as usize].1;
        links[id as usize] = Link { prev: tail, next: NIL, generation: 0, list };
        if tail == NIL {
            ends[list as usize].0 = id;
        } else {
            links[tail as usize].next = id;
        }
        ends[list as usize].1 = id;
    }
    let handles: Vec<(u32, u32)> = (0..n as u32).map(|i| (i, 0)).collect();

    let t = now_ns();
    for &id in &w.cancel {
        let (index, generation) = handles[id as usize];
        let Link { prev, next, generation: g, list } = links[index as usize];
        if g != generation {
            continue;
        }
        if prev == NIL {
            ends[list as usize].0 = next;
        } else {
            links[prev as usize].next = next;
        }
        if next == NIL {
            ends[list as usize].1 = prev;
        } else {
            links[next as usize].prev = prev;
        }
        links[index as usize].generation += 1;
    }
    let cancel = (now_ns() - t) as f64;
    black_box((&links, &ends));
    cancel / w.cancel.len().max(1) as f64
}

fn median(mut xs: Vec<f64>) -> (f64, f64, f64) {
    xs.sort_by(f64::total_cmp);
    (xs[xs.len() / 2], xs[0], xs[xs.len() - 1])
}

fn main() {
    let mut reps = 5;
    let mut wheel_only = false; // for profiling the wheel alone
    let mut sizes = vec![10_000usize, 100_000, 1_000_000];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--reps" => reps = args.next().and_then(|r| r.parse().ok()).expect("--reps N"),
            "--wheel-only" => wheel_only = true,
            "--cpu" => CPU_TIME.store(true, Ordering::Relaxed),
            "--n" => sizes = vec![args.next().and_then(|r| r.parse().ok()).expect("--n N")],
            _ => {} // `cargo bench` passes `--bench`
        }
    }
    println!(
        "timer bench: deadlines uniform in 0..{HORIZON} ticks, cancel half, fire the rest; {reps} rounds per size; {} time",
        if CPU_TIME.load(Ordering::Relaxed) { "thread CPU" } else { "wall" }
    );
    // (n, wheel median, heap median) per size, for the growth line.
    let mut medians = Vec::new();
    // (wheel cancel, cancel floor) per size, ns per cancel.
    let mut cancels = Vec::new();
    for n in sizes {
        let mut wheel = Vec::new();
        let mut heap = Vec::new();
        let mut floor = Vec::new();
        for r in 0..reps {
            let work = Work::new(n, 0x1234 + r as u64);
            // Alternate which goes first, so neither always gets the warm cache.
            if wheel_only {
                wheel.push(wheel_round(&work));
                heap.push(wheel_round(&work));
            } else if r % 2 == 0 {
                wheel.push(wheel_round(&work));
                heap.push(heap_round(&work));
            } else {
                heap.push(heap_round(&work));
                wheel.push(wheel_round(&work));
            }
            floor.push(floor_round(&work));
        }
        let per_timer = |xs: &[Phases]| median(xs.iter().map(|p| p.total() / n as f64).collect());
        let (wm, wmin, wmax) = per_timer(&wheel);
        let (hm, hmin, hmax) = per_timer(&heap);
        println!(
            "timer n={n:>9} lifecycle ns/timer: wheel {wm:7.1} (min {wmin:.1} max {wmax:.1})  \
             heap {hm:7.1} (min {hmin:.1} max {hmax:.1})  heap/wheel {:.2}x",
            hm / wm
        );
        medians.push((n, wm, hm));
        let (floor, _, _) = median(floor);
        // Median ns per op of each phase: insert, cancel, fire (per timer fired).
        let phases = |xs: &[Phases]| {
            let per = |f: fn(&Phases) -> f64, ops: usize| median(xs.iter().map(|p| f(p) / ops as f64).collect()).0;
            (per(|p| p.insert, n), per(|p| p.cancel, n / 2), per(|p| p.fire, n - n / 2))
        };
        for (name, xs) in [("wheel", &wheel), ("heap", &heap)] {
            let (ins, can, fire) = phases(xs);
            println!(
                "timer n={n:>9}   {name:5} ns/op: insert {ins:6.1}  cancel {can:6.1}  fire (per timer fired) {fire:6.1}"
            );
        }
        cancels.push((phases(&wheel).1, floor));
        println!(
            "timer n={n:>9}   floor ns/op:                cancel {floor:6.1}  (bare list unlink of the same timers)"
        );
    }
    // How flat: the cost per timer at the largest size over the smallest.
    if let (Some(&(n0, w0, h0)), Some(&(n1, w1, h1))) = (medians.first(), medians.last()) {
        if n1 > n0 {
            println!("growth n={n0} -> n={n1}: wheel {:.2}x  heap {:.2}x (ns per timer)", w1 / w0, h1 / h0);
            let ((c0, f0), (c1, f1)) = (cancels[0], cancels[cancels.len() - 1]);
            println!(
                "growth of a cancel: wheel {c0:.1} -> {c1:.1} ns (+{:.1}), bare list unlink (floor) {f0:.1} -> {f1:.1} ns (+{:.1})",
                c1 - c0,
                f1 - f0
            );
        }
    }
}
