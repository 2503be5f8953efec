//! cty types and values (placeholder; being written).
