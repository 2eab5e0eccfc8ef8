#[mio::machine(protocol)]
enum Ping {
    #[state(start, done)]
    Wait,
}

fn main() {}
