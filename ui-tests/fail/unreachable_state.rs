#[mio::machine(protocol)]
enum Ping {
    #[state(start, to(Closed))]
    Wait,
    #[state(to(Closed))]
    Orphan,
    #[state(done)]
    Closed,
}

fn main() {}
