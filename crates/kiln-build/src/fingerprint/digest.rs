//! The hashing primitives every input shares. Each kind of input hashes under its own
//! blake3 derive-key context, and every variable-length field is length-prefixed, so two
//! different inputs cannot produce the same bytes to hash by construction.

/// Digests are kept to 128 bits (32 hex digits): ample against accidental collisions,
/// and the record of a large tree stays half the size in state.
pub(crate) const HEX_LEN: usize = 32;

/// The contexts: changing one changes every fingerprint, so they carry a version.
pub(crate) const ATTRIBUTE: &str = "kiln 2026 image fingerprint v1: attribute";
pub(crate) const SENSITIVE: &str = "kiln 2026 image fingerprint v1: sensitive value";
pub(crate) const FILE: &str = "kiln 2026 image fingerprint v1: file";
pub(crate) const DIRECTORY: &str = "kiln 2026 image fingerprint v1: directory";
pub(crate) const FINGERPRINT: &str = "kiln 2026 image fingerprint v1: all inputs";

/// A hasher for one kind of input.
pub(crate) fn hasher(context: &'static str) -> blake3::Hasher {
    blake3::Hasher::new_derive_key(context)
}

/// Adds one field, prefixed with its length.
pub(crate) fn field(h: &mut blake3::Hasher, bytes: &[u8]) {
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// The digest as kept in records and fingerprints.
pub(crate) fn hex(h: &blake3::Hasher) -> String {
    let full = h.finalize().to_hex();
    full[..HEX_LEN].to_string()
}
