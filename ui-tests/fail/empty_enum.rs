#[mio::machine]
enum Server {}

fn main() {}
