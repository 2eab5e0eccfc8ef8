#[mio::machine(protocol, context = u32)]
enum Ping {
    #[state(start, to(Closed))]
    Wait,
    #[state(done)]
    Closed,
}

fn main() {}
