#[mio::machine(protocol)]
enum Ping {
    #[state(to(Closed))]
    Wait,
    #[state(done)]
    Closed,
}

fn main() {}
