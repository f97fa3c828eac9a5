//! miwake-store (in progress).
