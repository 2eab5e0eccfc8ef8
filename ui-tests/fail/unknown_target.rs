#[mio::machine(protocol)]
enum Http {
    #[state(start, to(Bdy))]
    Headers,
    #[state(to(Closed))]
    Body { remaining: usize },
    #[state(done)]
    Closed,
}

fn main() {}
