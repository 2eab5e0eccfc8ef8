#[mio::machine(protocol)]
enum Ping {
    #[state(start, to(Loop, Closed))]
    Wait,
    #[state(to(Loop))]
    Loop,
    #[state(done)]
    Closed,
}

fn main() {}
