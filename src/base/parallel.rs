//! Parallel loops with rekindle's two rules: work is cut into small runs, and when items fail
//! the error reported is that of the first failing item in list order.

use crate::base::error::Result;

/// The most files one parallel task takes on at a time. Rayon otherwise cuts a list into
/// a few long runs that cannot be split once started, and near the end of each stage one
/// thread would work through the last run alone while the other waited.
pub const PARALLEL_CHUNK: usize = 64;

/// Runs `each` on every item in parallel. When some fail, returns the error of the first
/// failing item in the list's order, not of whichever thread failed first, so that a build
/// that fails reports the same error every time.
pub fn try_each<T: Sync>(items: &[T], each: impl Fn(&T) -> Result<()> + Sync) -> Result<()> {
    use rayon::prelude::*;
    let failed = (items.par_iter().with_max_len(PARALLEL_CHUNK)).find_map_first(|i| each(i).err());
    failed.map_or(Ok(()), Err)
}
