#[mio::machine(protocol)]
enum Ping {
    #[state(start, to(Closed))]
    Wait,
    #[state(done, to(Wait))]
    Closed,
}

fn main() {}
