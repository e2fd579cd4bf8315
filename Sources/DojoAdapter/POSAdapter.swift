// Replaced by the adapter sources.
