//! Searchers, the parallel search driver and the search log (in progress).
