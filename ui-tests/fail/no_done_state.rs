#[mio::machine(protocol)]
enum Ping {
    #[state(start, to(Pong))]
    Wait,
    #[state(to(Wait))]
    Pong,
}

fn main() {}
