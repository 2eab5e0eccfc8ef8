#[mio::machine(protocol)]
enum Ping {
    #[state(strat, to(Closed))]
    Wait,
    #[state(done)]
    Closed,
}

fn main() {}
