//! What the operations dashboards read: the sampler that every `serve` and `worker` process
//! runs, taking queue-depth samples and rolling up the work done per hour (migration 0013).

pub mod sampler;
