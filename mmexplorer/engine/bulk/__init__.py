"""The batch probe at dataset scale: streamed pairs, batched probes, a resumable results store, sharded by rank."""
