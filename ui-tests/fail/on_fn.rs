#[mio::machine]
fn server() {}

fn main() {}
