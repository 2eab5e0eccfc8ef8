// Messages go through the context's `Mailboxes<T>`: sending a value of a
// type the context keeps no mailboxes for does not compile.
use mio::machine::{Address, Mailboxes, Scope};

struct Context {
    numbers: Mailboxes<u32>,
}

impl AsMut<Mailboxes<u32>> for Context {
    fn as_mut(&mut self) -> &mut Mailboxes<u32> {
        &mut self.numbers
    }
}

fn tell(scope: &mut Scope<'_, Context>, peer: Address) {
    let _ = scope.send_to(peer, 1u32);
    let _ = scope.send_to(peer, "a string");
}

fn main() {
    let _ = tell;
}
