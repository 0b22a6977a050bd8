//! Handing memory the allocator keeps back to the system, so the peak of one phase does not carry into the next.
//!
//! glibc keeps what a thread frees in that thread's arena, and returns only the top of a heap to the system on its
//! own: after loading ten thousand definitions on every core, the process would stay at loading's high-water mark
//! while it renders. Elsewhere (musl, macOS) these are no-ops.

/// Return the free pages of every allocator arena to the system (`malloc_trim`): cheap when there is little to
/// give back, and what keeps a render's peak the live heap of one phase rather than the sum of two.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns free pages of the allocator's heaps to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Serve every thread from one allocator arena (`M_ARENA_MAX=1`). Call it before any other thread exists.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets an allocator parameter; the caller calls it before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}
