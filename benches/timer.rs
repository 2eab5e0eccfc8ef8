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
//!   side table, then pop everything, skipping cancelled ids.
//!
//! Both structures (and the output buffers) are allocated before the clock
//! starts. The order of what fired is checked after the clock stops. Reported:
//! the median (min, max) over the rounds of ns per timer over its whole life
//! (total time / N), the heap/wheel ratio, and each phase per operation.
//!
//! Run: `cargo bench --bench timer` (`-- --reps 9` for more rounds, `-- --n
//! 1000000` for one size).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Instant;

use mio::timer::TimerWheel;

const HORIZON: u64 = 3_600_000;

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

fn wheel_round(w: &Work) -> Phases {
    let n = w.deadlines.len();
    let mut wheel = TimerWheel::with_capacity(n);
    let mut handles = Vec::with_capacity(n);
    let mut fired = Vec::with_capacity(n);

    let t = Instant::now();
    for (id, &d) in w.deadlines.iter().enumerate() {
        handles.push(wheel.insert(d, id as u32).expect("capacity is n"));
    }
    let insert = t.elapsed();

    let t = Instant::now();
    for &id in &w.cancel {
        black_box(wheel.cancel(handles[id as usize]));
    }
    let cancel = t.elapsed();

    let t = Instant::now();
    while let Some(tick) = wheel.next_deadline() {
        while let Some(id) = wheel.poll(tick) {
            fired.push((tick, id));
        }
    }
    let fire = t.elapsed();

    w.check(&fired);
    Phases { insert: insert.as_nanos() as f64, cancel: cancel.as_nanos() as f64, fire: fire.as_nanos() as f64 }
}

fn heap_round(w: &Work) -> Phases {
    let n = w.deadlines.len();
    let mut heap = BinaryHeap::with_capacity(n);
    let mut cancelled = vec![false; n];
    let mut fired = Vec::with_capacity(n);

    let t = Instant::now();
    for (id, &d) in w.deadlines.iter().enumerate() {
        heap.push(Reverse((d, id as u32)));
    }
    let insert = t.elapsed();
    black_box(&heap);

    let t = Instant::now();
    for &id in &w.cancel {
        cancelled[id as usize] = true;
    }
    let cancel = t.elapsed();
    black_box(&cancelled);

    let t = Instant::now();
    while let Some(Reverse((d, id))) = heap.pop() {
        if !cancelled[id as usize] {
            fired.push((d, id));
        }
    }
    let fire = t.elapsed();

    w.check(&fired);
    Phases { insert: insert.as_nanos() as f64, cancel: cancel.as_nanos() as f64, fire: fire.as_nanos() as f64 }
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
            "--n" => sizes = vec![args.next().and_then(|r| r.parse().ok()).expect("--n N")],
            _ => {} // `cargo bench` passes `--bench`
        }
    }
    println!(
        "timer bench: deadlines uniform in 0..{HORIZON} ticks, cancel half, fire the rest; {reps} rounds per size"
    );
    for n in sizes {
        let mut wheel = Vec::new();
        let mut heap = Vec::new();
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
        }
        let per_timer = |xs: &[Phases]| median(xs.iter().map(|p| p.total() / n as f64).collect());
        let (wm, wmin, wmax) = per_timer(&wheel);
        let (hm, hmin, hmax) = per_timer(&heap);
        println!(
            "timer n={n:>9} lifecycle ns/timer: wheel {wm:7.1} (min {wmin:.1} max {wmax:.1})  \
             heap {hm:7.1} (min {hmin:.1} max {hmax:.1})  heap/wheel {:.2}x",
            hm / wm
        );
        for (name, xs) in [("wheel", &wheel), ("heap", &heap)] {
            let (ins, _, _) = median(xs.iter().map(|p| p.insert / n as f64).collect());
            let (can, _, _) = median(xs.iter().map(|p| p.cancel / (n / 2) as f64).collect());
            let (fire, _, _) = median(xs.iter().map(|p| p.fire / (n - n / 2) as f64).collect());
            println!(
                "timer n={n:>9}   {name:5} ns/op: insert {ins:6.1}  cancel {can:6.1}  fire (per timer fired) {fire:6.1}"
            );
        }
    }
}
