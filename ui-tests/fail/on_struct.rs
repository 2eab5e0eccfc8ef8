#[mio::machine]
struct Server {
    port: u16,
}

fn main() {}
