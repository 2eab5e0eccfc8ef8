#[mio::machine(protocol = true)]
enum Ping {
    #[state(start, to(Closed))]
    Wait,
    #[state(done)]
    Closed,
}

fn main() {}
