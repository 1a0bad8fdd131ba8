//! The built-in providers and the test provider, driven through the `Provider` trait the
//! way the engine drives them.

mod kiln;
mod local;
mod support;
mod test_provider;

use kiln_builtin::testing::TestProvider;
use kiln_builtin::{KilnProvider, LocalProvider};

fn assert_send_sync<T: Send + Sync + 'static>() {}

#[test]
fn providers_are_send_and_sync() {
    assert_send_sync::<LocalProvider>();
    assert_send_sync::<KilnProvider>();
    assert_send_sync::<TestProvider>();
}
