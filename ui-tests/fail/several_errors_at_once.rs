#[mio::machine(protocol, seed = S)]
enum Http {
    #[state(start, to(Bdy))]
    Headers,
    #[state(to(Headers, Headers), wat)]
    Body,
    #[state(done, to(Headers))]
    Closed,
}

fn main() {}
