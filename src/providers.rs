//! The providers compiled into this `kiln`.

use kiln_core::schema::Schemas;

pub fn schemas() -> Schemas {
    let mut s = Schemas::new();
    s.add(kiln_builtin::local_schema());
    s.add(kiln_builtin::kiln_schema());
    s
}
