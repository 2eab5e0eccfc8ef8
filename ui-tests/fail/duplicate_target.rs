#[mio::machine(protocol)]
enum Ping {
    #[state(start, to(Pong, Closed, Pong))]
    Wait,
    #[state(to(Closed))]
    Pong,
    #[state(done)]
    Closed,
}

fn main() {}
