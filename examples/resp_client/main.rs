//! `resp_client`: a load-generating RESP client on the machine layer, the
//! way redis-benchmark drives a server: N connections, each keeping
//! `--pipeline` requests in flight, a mix of PING, SET and GET, then ops/s
//! and p50/p99 latency.
//!
//! Try it against the example server (or any redis):
//!
//! ```sh
//! cargo run --release --example resp_kv &                # listens on 127.0.0.1:6380
//! cargo run --release --example resp_client -- 127.0.0.1:6380 --conns 50 --pipeline 16 --secs 5
//! cargo run --release --example resp_client -- 127.0.0.1:6380 --requests 100000 --mix set=1,get=3 --keyspace 1000
//! ```
//!
//! Each connection is a client machine, `Connect<Client>`: its first
//! requests are written in `Protocol::connected`, and a connection refused
//! or not made within `--timeout-ms` reaches `Protocol::connect_failed` and
//! is reported with its `io::ErrorKind`. Latency is measured
//! from the loop turn a request was written in to the turn its reply was
//! read in, into a fixed log-linear histogram: nothing is allocated per
//! request (large SET values are queued as one shared `Bytes`).
//!
//! Prints one line, `requests=... errors=... ops_per_sec=... p50_us=...
//! p99_us=...`, and exits with status 1 if any connection failed.

mod histogram;
mod plan;
mod protocol;
mod reply;

use std::io;
use std::time::{Duration, Instant};

use mio::machine::{Loop, LoopConfig};
use mio::stream::{Connect, Outbound};

use plan::Plan;
use protocol::{Client, Run};

fn main() {
    match run(std::env::args().skip(1)) {
        Ok(0) => {}
        Ok(_) => std::process::exit(1),
        Err(e) => {
            eprintln!("resp_client: {e}");
            std::process::exit(2);
        }
    }
}

/// Runs the plan the arguments describe; how many connections failed.
fn run(args: impl Iterator<Item = String>) -> io::Result<u64> {
    let plan = Plan::parse(args)?;
    let addr = plan.addr;
    let conns = plan.conns;
    // Input holds a pipeline of short replies (a long GET reply is skipped
    // as it streams); output holds a pipeline of commands, a long SET
    // value being queued, not copied.
    let per_command = plan.longest_command().min(protocol::COPY_AT_MOST + 64);
    let size = (plan.pipeline * per_command).next_power_of_two().max(16 * 1024);
    let mut config = LoopConfig::new();
    config.machines(conns + 1).buffers(size, 2 * conns).queued_values(plan.pipeline, conns * plan.pipeline);
    let mut lp = Loop::<Connect<Client>>::new(&config)?;
    lp.on_error(|run, _, e| run.failed(e));
    let timeout = plan.timeout;
    let mut lp = lp.instantiate(Run::new(plan));
    for conn in 0..conns as u32 {
        // A non-blocking connect: it completes (or fails) in the loop.
        let started = Outbound::tcp(addr, Client::new(conn)).map(|seed| seed.deadline(Instant::now() + timeout));
        let added = match started {
            Ok(seed) => lp.add_machine_with(|scope| Connect::start(seed, scope)).map(drop),
            Err(failed) => Err(failed.error),
        };
        if let Err(e) = added {
            lp.context_mut().failed(&e);
        }
    }
    while lp.machine_count() > 0 {
        lp.run_once(Some(Duration::from_millis(100)))?;
    }
    let finished = Instant::now();
    report(lp.context(), finished);
    Ok(conns as u64 - lp.context().finished)
}

/// Prints the run's line (and the first failure, if any).
fn report(run: &Run, finished: Instant) {
    let failed = run.plan.conns as u64 - run.finished;
    let secs = run.started.map_or(0.0, |s| finished.duration_since(s).as_secs_f64());
    let ops = if secs > 0.0 { run.replies as f64 / secs } else { 0.0 };
    println!(
        "requests={} errors={} error_replies={} conns={} pipeline={} secs={secs:.3} ops_per_sec={ops:.0} \
         p50_us={:.1} p99_us={:.1}",
        run.replies,
        failed,
        run.error_replies,
        run.plan.conns,
        run.plan.pipeline,
        run.latency.quantile(0.50).as_secs_f64() * 1e6,
        run.latency.quantile(0.99).as_secs_f64() * 1e6,
    );
    if let Some(first) = &run.first_failure {
        eprintln!("resp_client: {failed} of {} connections failed; the first: {first}", run.plan.conns);
    }
}
