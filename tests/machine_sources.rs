//! A machine that owns several sockets learns which one an event is for:
//! sources registered with `Scope::register_source` come back as
//! `Scope::source()` in `ready`, through `#[machine]` composition, with the
//! machine's token unchanged; other calls see source 0. Every wait is a
//! bounded number of short turns.

mod util;

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use mio::machine::{Created, LoopConfig, LoopInstance, Machine, Response, Scope, MAX_SOURCES};
use mio::unix::{pipe, PipeReader, PipeWriter};
use mio::{EventSet, PollOpt, Token};
use util::DEADLINE;

/// What the machines saw: (machine token, source) per ready event, and the
/// source seen in `timeout`.
#[derive(Default)]
struct Log {
    ready: Vec<(Token, usize)>,
    timeout_source: Option<usize>,
}

/// Owns three pipes' read ends, registered as sources 0, 5 and the last one.
struct Trio {
    readers: [PipeReader; 3],
}

const SOURCES: [usize; 3] = [0, 5, MAX_SOURCES - 1];

impl Trio {
    fn drain_pipes(&mut self) {
        let mut buf = [0; 64];
        for reader in &mut self.readers {
            while matches!(reader.read(&mut buf), Ok(n) if n > 0) {}
        }
    }
}

impl Machine for Trio {
    type Context = Log;
    type Seed = [PipeReader; 3];

    fn create(readers: [PipeReader; 3], scope: &mut Scope<'_, Log>) -> Created<Self> {
        for (reader, source) in readers.iter().zip(SOURCES) {
            if let Err(e) = scope.register_source(reader, source, EventSet::readable(), PollOpt::edge()) {
                return Created::error(e.into());
            }
        }
        Created::ok(Trio { readers })
    }

    fn ready(mut self, _: EventSet, scope: &mut Scope<'_, Log>) -> Response<Self, Self::Seed> {
        let entry = (scope.token(), scope.source());
        scope.ready.push(entry);
        self.drain_pipes();
        Response::unchanged(self) // a deadline, if any, stays
    }

    fn timeout(self, scope: &mut Scope<'_, Log>) -> Response<Self, Self::Seed> {
        scope.timeout_source = Some(scope.source());
        Response::ok(self)
    }
}

/// A second kind of machine in the composed enum, with one plain source.
struct Single {
    reader: PipeReader,
}

impl Machine for Single {
    type Context = Log;
    type Seed = PipeReader;

    fn create(reader: PipeReader, scope: &mut Scope<'_, Log>) -> Created<Self> {
        match scope.register(&reader, EventSet::readable(), PollOpt::edge()) {
            Ok(()) => Created::ok(Single { reader }),
            Err(e) => Created::error(e.into()),
        }
    }

    fn ready(mut self, _: EventSet, scope: &mut Scope<'_, Log>) -> Response<Self, Self::Seed> {
        let entry = (scope.token(), scope.source());
        scope.ready.push(entry);
        let mut buf = [0; 64];
        while matches!(self.reader.read(&mut buf), Ok(n) if n > 0) {}
        Response::ok(self)
    }

    fn timeout(self, _: &mut Scope<'_, Log>) -> Response<Self, Self::Seed> {
        Response::ok(self)
    }
}

#[mio::machine]
enum Both {
    Trio(Trio),
    Single(Single),
}

fn pipes<const N: usize>() -> ([PipeReader; N], [PipeWriter; N]) {
    let (readers, writers): (Vec<_>, Vec<_>) = (0..N).map(|_| pipe().unwrap()).unzip();
    (readers.try_into().ok().unwrap(), writers.try_into().ok().unwrap())
}

/// Runs short turns until `n` ready events are logged.
fn run_until_logged(lp: &mut LoopInstance<Both>, n: usize) -> Vec<(Token, usize)> {
    let start = Instant::now();
    while lp.context().ready.len() < n {
        assert!(start.elapsed() < DEADLINE, "only {:?} of {n} events", lp.context().ready);
        lp.run_once(Some(Duration::from_millis(50))).unwrap();
    }
    std::mem::take(&mut lp.context_mut().ready)
}

#[test]
fn each_event_names_its_source_through_a_composed_machine() {
    let mut lp = mio::machine::Loop::<Both>::new(&LoopConfig::new()).unwrap().instantiate(Log::default());
    let ([single_reader], [mut single_writer]) = pipes::<1>();
    let single = lp.add_machine_with(|s| Single::create(single_reader, s).map(Both::Single)).unwrap().token();
    let (readers, mut writers) = pipes::<3>();
    let trio = lp.add_machine_with(|s| Trio::create(readers, s).map(Both::Trio)).unwrap().token();
    assert!(trio.0 < 1 << 24 && single.0 < 1 << 24, "the machine's token carries no source bits");

    // One source at a time, in an order unlike registration's.
    for i in [2, 0, 1, 2] {
        writers[i].write_all(b"x").unwrap();
        assert_eq!(run_until_logged(&mut lp, 1), [(trio, SOURCES[i])], "pipe {i}");
    }
    single_writer.write_all(b"y").unwrap();
    assert_eq!(run_until_logged(&mut lp, 1), [(single, 0)]);

    // All at once: one event per source, each named once.
    for writer in &mut writers {
        writer.write_all(b"z").unwrap();
    }
    let mut seen = run_until_logged(&mut lp, 3);
    seen.sort();
    assert_eq!(seen, SOURCES.map(|s| (trio, s)));
}

#[test]
fn calls_other_than_ready_see_source_zero() {
    let mut lp = mio::machine::Loop::<Both>::new(&LoopConfig::new()).unwrap().instantiate(Log::default());
    let (readers, mut writers) = pipes::<3>();
    let token = lp
        .add_machine_with(|s| {
            for (reader, source) in readers.iter().zip(SOURCES) {
                s.register_source(reader, source, EventSet::readable(), PollOpt::edge()).unwrap();
            }
            Created::keep(Both::Trio(Trio { readers })).deadline(s.now())
        })
        .unwrap()
        .token();
    writers[1].write_all(b"x").unwrap();
    let start = Instant::now();
    while lp.context().timeout_source.is_none() || lp.context().ready.is_empty() {
        assert!(start.elapsed() < DEADLINE, "no timeout and ready event");
        lp.run_once(Some(Duration::from_millis(50))).unwrap();
    }
    assert_eq!(lp.context().ready, [(token, 5)]);
    assert_eq!(lp.context().timeout_source, Some(0));
}

#[test]
fn a_source_index_out_of_range_is_refused() {
    struct Probe;
    impl Machine for Probe {
        type Context = ();
        type Seed = ();
        fn create(_: (), scope: &mut Scope<'_, ()>) -> Created<Self> {
            let (reader, _writer) = pipe().unwrap();
            let err = scope.register_source(&reader, MAX_SOURCES, EventSet::readable(), PollOpt::edge()).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            scope.register_source(&reader, MAX_SOURCES - 1, EventSet::readable(), PollOpt::edge()).unwrap();
            let err = scope.reregister_source(&reader, usize::MAX, EventSet::readable(), PollOpt::edge()).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            scope.reregister_source(&reader, 1, EventSet::readable(), PollOpt::edge()).unwrap();
            Created::ok(Probe)
        }
        fn ready(self, _: EventSet, _: &mut Scope<'_, ()>) -> Response<Self, ()> {
            Response::ok(self)
        }
        fn timeout(self, _: &mut Scope<'_, ()>) -> Response<Self, ()> {
            Response::ok(self)
        }
    }
    let mut lp = mio::machine::Loop::<Probe>::new(&LoopConfig::new()).unwrap();
    lp.add_machine_with(|s| Probe::create((), s)).unwrap();
}
