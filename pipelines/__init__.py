"""Item pipeline stages of cleanwire: extract, validate, dedupe, store."""
