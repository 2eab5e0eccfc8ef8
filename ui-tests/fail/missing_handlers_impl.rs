#[mio::machine(protocol)]
enum Ping {
    #[state(start, to(Closed))]
    Wait,
    #[state(done)]
    Closed,
}

fn main() {}
