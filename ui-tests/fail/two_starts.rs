#[mio::machine(protocol)]
enum Ping {
    #[state(start, to(Pong))]
    Wait,
    #[state(start, to(Closed))]
    Pong,
    #[state(done)]
    Closed,
}

fn main() {}
